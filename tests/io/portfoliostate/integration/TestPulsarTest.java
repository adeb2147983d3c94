package io.portfoliostate.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.TestPulsar;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.BatcherBuilder;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionType;
import org.junit.jupiter.api.Test;

/**
 * The test broker works as the Pulsar features need it: keyed messages through a Key_Shared
 * subscription arrive complete and, per key, in order.
 */
class TestPulsarTest {

  @Test
  void keyedMessagesArriveCompleteAndInOrderPerKey() throws Exception {
    String topic = "persistent://public/default/smoke-" + UUID.randomUUID();
    try (PulsarClient client = PulsarClient.builder().serviceUrl(TestPulsar.shared().serviceUrl()).build();
        Consumer<String> consumer = client.newConsumer(Schema.STRING).topic(topic).subscriptionName("smoke")
            .subscriptionType(SubscriptionType.Key_Shared).subscribe();
        Producer<String> producer = client.newProducer(Schema.STRING).topic(topic)
            .batcherBuilder(BatcherBuilder.KEY_BASED).create()) {
      for (int i = 0; i < 300; i++) {
        producer.newMessage().key("p-" + (i % 3)).value((i % 3) + ":" + i).sendAsync();
      }
      producer.flush();
      List<List<Integer>> perKey = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
      for (int i = 0; i < 300; i++) {
        Message<String> message = consumer.receive(10, TimeUnit.SECONDS);
        assertThat(message).as("message %d", i).isNotNull();
        String[] parts = message.getValue().split(":");
        assertThat(message.getKey()).isEqualTo("p-" + parts[0]);
        perKey.get(Integer.parseInt(parts[0])).add(Integer.parseInt(parts[1]));
        consumer.acknowledge(message);
      }
      for (int key = 0; key < 3; key++) {
        assertThat(perKey.get(key)).hasSize(100).isSorted();
      }
    }
  }
}
