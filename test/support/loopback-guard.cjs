/**
 * Tests talk to loopback only. Loaded in every process and thread a test runs (jest's workers through
 * NODE_OPTIONS=--require, set in global-setup.ts; their worker threads through the same NODE_OPTIONS or,
 * when jest runs in band, through the Worker constructor patched below; child processes through
 * guardedEnv() in guard-env.ts), it refuses any TCP connection or DNS lookup of a host that is not
 * loopback: the connection fails with an error, and the attempt is written to
 * $LOOPBACK_GUARD_DIR/<root pid>.log, which every test's afterEach (guard-check.ts) reads and fails on.
 * CommonJS and plain JavaScript because `--require` must load it before anything else, in threads too.
 */
'use strict';
const net = require('node:net');
const dns = require('node:dns');
const fs = require('node:fs');
const path = require('node:path');
const wt = require('node:worker_threads');

const MARK = Symbol.for('taskwatch.loopbackGuard');

function isLoopback(host) {
  if (host === undefined || host === null || host === '') return true; // net defaults to localhost
  const h = String(host)
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** `::` and `0.0.0.0`: the addresses a server listens on for every interface; looking one up never leaves the machine. */
function isWildcard(host) {
  const h = String(host ?? '').replace(/^\[|\]$/g, '');
  return h === '::' || h === '0.0.0.0';
}

function logFile() {
  const dir = process.env.LOOPBACK_GUARD_DIR;
  if (!dir) return undefined;
  return path.join(dir, `${process.env.LOOPBACK_GUARD_ROOT || process.pid}.log`);
}

function violation(what) {
  const where = (new Error().stack || '').split('\n').slice(3, 9).join('\n');
  const line = `${what} (pid ${process.pid}, thread ${wt.threadId})\n${where}\n`;
  process.stderr.write(`loopback guard: ${line}`);
  const file = logFile();
  if (file) {
    try {
      fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch {
      // the check still sees the failed connection
    }
  }
  return Object.assign(new Error(`loopback guard: a test tried ${what}; tests talk to loopback only`), { code: 'ELOOPBACKGUARD' });
}

/** The host a Socket#connect call names, or undefined for a Unix socket or the default (localhost). */
function hostOf(args) {
  let first = args[0];
  if (Array.isArray(first)) first = first[0]; // net's own normalized [options, cb]
  if (first && typeof first === 'object') return first.path !== undefined ? undefined : first.host;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)))
    return typeof args[1] === 'string' ? args[1] : undefined;
  return undefined; // a path
}

function install() {
  if (net.Socket.prototype[MARK]) return;
  net.Socket.prototype[MARK] = true;
  if (!process.env.LOOPBACK_GUARD_ROOT && wt.isMainThread) process.env.LOOPBACK_GUARD_ROOT = String(process.pid);

  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    const host = hostOf(args);
    if (!isLoopback(host)) {
      const err = violation(`to connect to ${host}`);
      process.nextTick(() => this.destroy(err));
      return this;
    }
    return connect.apply(this, args);
  };

  const lookup = dns.lookup;
  dns.lookup = function guardedLookup(hostname, options, callback) {
    const cb = typeof options === 'function' ? options : callback;
    if (!isLoopback(hostname) && !isWildcard(hostname)) {
      const err = violation(`to look up ${hostname}`);
      process.nextTick(() => cb(err));
      return {};
    }
    return lookup.call(this, hostname, options, callback);
  };
  const lookupPromise = dns.promises.lookup;
  dns.promises.lookup = async function guardedLookupPromise(hostname, options) {
    if (!isLoopback(hostname) && !isWildcard(hostname)) throw violation(`to look up ${hostname}`);
    return lookupPromise.call(this, hostname, options);
  };

  // Threads started from here load the guard too, also when NODE_OPTIONS did not start this process.
  const Worker = wt.Worker;
  wt.Worker = class GuardedWorker extends Worker {
    constructor(filename, options = {}) {
      const execArgv = [...(options.execArgv || process.execArgv), '--require', __filename];
      super(filename, { ...options, execArgv });
    }
  };
}

install();
module.exports = { isLoopback };
