#!/usr/bin/env python3
"""CPU (ms) each thread used between two jcmd Thread.print dumps, busiest first, with its state
and top frame in the second dump: which threads worked, and what the idle ones waited for.
Usage: thread-cpu.py <earlier dump> <later dump> [rows]"""
import re, sys

def parse(path):
    threads, name = {}, None
    for line in open(path, errors='replace'):
        m = re.match(r'^"(.*)" #(\d+).*?cpu=([\d.]+)ms', line)
        if m:
            name = m.group(1) + ' #' + m.group(2)
            threads[name] = {'cpu': float(m.group(3)), 'state': '', 'frames': []}
        elif name and 'java.lang.Thread.State:' in line:
            threads[name]['state'] = line.split(':', 1)[1].strip()
        elif name and line.strip().startswith(('at ', '- ')) and len(threads[name]['frames']) < 4:
            threads[name]['frames'].append(line.strip())
        elif not line.strip():
            name = None
    return threads

a, b = parse(sys.argv[1]), parse(sys.argv[2])
rows = int(sys.argv[3]) if len(sys.argv) > 3 else 25
delta = sorted(((b[n]['cpu'] - a.get(n, {'cpu': 0})['cpu'], n) for n in b), reverse=True)
for d, n in delta[:rows]:
    print(f"{d:9.1f} ms  {n[:60]:60s} {b[n]['state'][:28]:28s} {b[n]['frames'][0][:90] if b[n]['frames'] else ''}")
