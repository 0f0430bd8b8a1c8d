/** The strict text-format parser the metrics tests read /metrics with (test/support/prometheus.ts). */
import { Counter, Histogram, Registry } from 'prom-client';
import { Exposition, parseExposition } from '../support/prometheus.js';

it("reads prom-client's own output: labelled histograms per series, escaped label values", async () => {
  const registry = new Registry();
  const h = new Histogram({ name: 'h_seconds', help: 'a histogram', labelNames: ['channel'], buckets: [0.1, 1], registers: [registry] });
  const c = new Counter({ name: 'c_total', help: 'a counter', labelNames: ['why'], registers: [registry] });
  h.observe({ channel: 'email' }, 0.05);
  h.observe({ channel: 'email' }, 5);
  h.observe({ channel: 'sms' }, 0.5);
  c.inc({ why: 'say "hi"\\\n' }, 3);
  const m = new Exposition(await registry.metrics());
  expect(m.family('h_seconds').type).toBe('histogram');
  expect(m.histogram('h_seconds', { channel: 'email' })).toEqual({ count: 2, sum: 5.05 });
  expect(m.histogram('h_seconds', { channel: 'sms' })).toEqual({ count: 1, sum: 0.5 });
  expect(m.histogram('h_seconds')).toEqual({ count: 3, sum: 5.55 });
  expect(m.value('c_total', { why: 'say "hi"\\\n' })).toBe(3);
});

it.each([
  ['a sample before its TYPE', 'x 1\n# TYPE x gauge\n', /TYPE of x after its samples/],
  ['a second TYPE', '# TYPE x gauge\n# TYPE x gauge\nx 1\n', /second TYPE/],
  ['an unknown type', '# TYPE x meter\nx 1\n', /unknown type/],
  ['a value that is no number', '# TYPE x gauge\nx one\n', /not a number/],
  ['an unquoted label value', '# TYPE x gauge\nx{a=b} 1\n', /not quoted/],
  ['a bad label name', '# TYPE x gauge\nx{1a="b"} 1\n', /bad label name/],
  ['a series twice', '# TYPE x gauge\nx{a="b"} 1\nx{a="b"} 2\n', /twice/],
  ['a bucket without le', '# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n', /without le/],
  [
    'buckets that are not cumulative',
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    /not cumulative/,
  ],
  ['+Inf other than the count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n', /not the count/],
  ['samples of a family apart', '# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx{a="b"} 2\n', /not together/],
])('refuses %s', (_what, text, error) => {
  expect(() => parseExposition(text)).toThrow(error);
});
