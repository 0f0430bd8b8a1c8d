/**
 * The direction of imports in src/ (low to high):
 *   domain → i18n, core (config, logger, secrets, startup-errors) → db → telegram → delivery → services → bot → scheduler → http → main (main.ts, app/, cli/), jobs
 * A module may import its own layer and the layers below it, never one above, and never in a circle.
 * `npm run lint` runs this after ESLint; any violation fails it.
 */
const layers = [
  ['domain', '^src/domain/'],
  ['i18n', '^src/i18n/'],
  ['core', '^(src/(config|logger|secrets|startup-errors)\\.ts|config/)'],
  ['db', '^src/db/'],
  ['telegram', '^src/telegram/'],
  ['delivery', '^src/delivery/'],
  ['services', '^src/services/'],
  ['bot', '^src/bot/'],
  ['scheduler', '^src/scheduler/'],
  ['http', '^src/http/'],
  ['main', '^(src/main\\.ts|src/app/|src/cli/|jobs/)'],
];

/** i18n and core sit side by side just above domain: neither may import the other. */
const peers = { i18n: ['core'], core: ['i18n'] };

const upward = layers.slice(0, -1).map(([name, path], i) => ({
  name: `no-upward-from-${name}`,
  comment: `${name} may import only its own layer and those below it`,
  severity: 'error',
  from: { path },
  to: { path: [...layers.slice(i + 1).map(([, p]) => p), ...(peers[name] ?? []).map((n) => layers.find(([m]) => m === n)[1])] },
}));

/** Any file of src/ outside every layer: caught when it imports anything, and when anything imports it. */
const inNoLayer = { path: '^src/', pathNot: layers.map(([, p]) => p) };
const everyFileInALayer = [
  { from: inNoLayer, to: {} },
  { from: {}, to: inNoLayer },
].map((ends) => ({
  name: 'every-file-in-a-layer',
  comment: 'each file of src/ belongs to a layer above: add its folder to `layers` where it fits',
  severity: 'error',
  ...ends,
}));

module.exports = {
  forbidden: [
    ...everyFileInALayer,
    {
      name: 'no-circular',
      comment: 'a cycle makes two modules one: break it by moving the shared part down a layer',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    ...[
      ['bot', 'port', 'the bot reaches delivery only through src/delivery/port.ts (gateway checks go through services)'],
      ['http', 'port|metrics', 'the HTTP side reaches delivery through src/delivery/port.ts (and its metrics through delivery/metrics.ts)'],
    ].map(([folder, allowed, comment]) => ({
      name: `${folder}-knows-delivery-by-its-port`,
      comment,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: '^src/delivery/', pathNot: `^src/delivery/(${allowed})\\.ts$` },
    })),
    {
      name: 'no-delivery-re-exports',
      comment:
        'delivery is reached through its port or through a service that does the work (services/gateways.ts): ' +
        'a module outside delivery/ that re-exports it would hand the bot delivery past the port',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/delivery/' },
      to: { path: '^src/delivery/', dependencyTypes: ['export'] },
    },
    {
      name: 'no-models-in-bot-or-http',
      comment:
        'the bot and the HTTP API ask services (or db/ stores) for data, never query a mongoose model themselves; ' +
        'the types of documents are fine',
      severity: 'error',
      from: { path: '^src/(bot|http)/' },
      to: { path: '^src/db/models/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'channels-know-no-engine',
      comment: 'a channel knows its own protocol, not the dispatch engine around it',
      severity: 'error',
      from: { path: '^src/delivery/channels/' },
      to: { path: '^src/delivery/', pathNot: '^src/delivery/channels/' },
    },
    {
      name: 'domain-is-pure',
      comment: 'domain code does no I/O: no mongoose, telegraf, nodemailer, node-fetch, bree, pino',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: 'node_modules/(mongoose|mongodb|telegraf|nodemailer|node-fetch|bree|pino)/' },
    },
    {
      name: 'not-to-test',
      comment: 'production code never imports test code',
      severity: 'error',
      from: { path: '^(src|jobs|config)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};
