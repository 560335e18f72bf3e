// Child bootstrap for Node.js actions: the JavaScript twin of _child_python.py.
//
// Stands alone: Node's built-in modules only. Started as
//   node --max-old-space-size=N _child_node.js --control-fd 3 [--preload a,b]
//     [--compile-cache DIR]
// it loads the libraries it is asked to preload (HubSpot's, from NODE_PATH), says "ready" on
// the control fd and blocks there until a job arrives: a pre-started process of the pool costs
// nothing while it waits. It serves one job (cold) or many (warm, module state kept, as
// HubSpot documents).
//
// Protocol: newline-delimited JSON on the control fd, every message carrying "v", exactly as
// the Python child speaks it (ready, start, result | error). The action's console output goes
// to fds 1 and 2, pipes the parent reads, in AWS Lambda's Node.js log format.
'use strict';

const fs = require('fs');
const path = require('path');
const util = require('util');
const net = require('net');
const Module = require('module');

const PROTOCOL_VERSION = 1;
const LOOPBACK = ['localhost', '127.0.0.1', '::1', 'ip6-localhost'];

// ------------------------------------------------------------------------------ messaging

function writeAllSync(fd, text) {
  const data = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < data.length) {
    try {
      off += fs.writeSync(fd, data, off, data.length - off);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

class Channel {
  constructor(fd) {
    this.fd = fd;
    this.buf = Buffer.alloc(0);
  }

  send(msg) {
    msg.v = PROTOCOL_VERSION;
    writeAllSync(this.fd, JSON.stringify(msg) + '\n');
  }

  // Blocks until a whole message has arrived (the process has nothing else to do meanwhile).
  recv() {
    const chunk = Buffer.alloc(1 << 16);
    while (this.buf.indexOf(10) < 0) {
      let n;
      try {
        n = fs.readSync(this.fd, chunk, 0, chunk.length, null);
      } catch (err) {
        if (err.code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        if (err.code === 'EOF') return null;
        throw err;
      }
      if (n === 0) return null;
      this.buf = Buffer.concat([this.buf, chunk.subarray(0, n)]);
    }
    const at = this.buf.indexOf(10);
    const line = this.buf.subarray(0, at).toString('utf8');
    this.buf = this.buf.subarray(at + 1);
    return JSON.parse(line);
  }
}

// ------------------------------------------------------------------------------ logging

// AWS Lambda's Node.js runtime patches console: every line is
// "<ISO time>\t<request id>\t<LEVEL>\t<message>", with newlines inside a message turned into
// carriage returns so one console.log stays one log event.
const logState = { requestId: '' };

function installConsole() {
  const levels = {
    log: 'INFO',
    info: 'INFO',
    warn: 'WARN',
    error: 'ERROR',
    debug: 'DEBUG',
    trace: 'TRACE',
  };
  for (const [name, level] of Object.entries(levels)) {
    const fd = level === 'INFO' || level === 'DEBUG' ? 1 : 2;
    console[name] = (...args) => {
      let text = util.format(...args);
      if (name === 'trace') text += '\n' + new Error().stack.split('\n').slice(2).join('\n');
      const line = `${new Date().toISOString()}\t${logState.requestId}\t${level}\t`;
      writeAllSync(fd, line + text.replace(/\n/g, '\r') + '\n');
    };
  }
}

// ------------------------------------------------------------------------------ network

class NetworkBlockedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'Error';
    this.code = 'ECONNREFUSED';
  }
}

function hostAllowed(host, allowed) {
  host = String(host || '').toLowerCase().replace(/\.$/, '');
  return allowed.some((pattern) => {
    pattern = pattern.toLowerCase();
    return pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)));
  });
}

function isLoopback(host) {
  host = String(host || '').toLowerCase();
  return LOOPBACK.includes(host) || host.startsWith('127.') || host === '[::1]';
}

// Where each connection may go, as HubSpot's sandbox would let this action: HubSpot's hosts
// reach the fake portal (or, live, HubSpot), loopback is open, other hosts need allow_hosts.
function networkPolicy(job, sandboxed) {
  const netOpts = job.network || {};
  const env = job.env || {};
  const proxyHttp = env.HTTP_PROXY || env.http_proxy;
  const proxyHttps = env.HTTPS_PROXY || env.https_proxy || proxyHttp;
  const noProxy = String(env.NO_PROXY || env.no_proxy || '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const hubspotHosts = (netOpts.hubspot_hosts || []).map((h) => h.toLowerCase());
  let portal = null;
  if (netOpts.hubspot_url) {
    const url = new URL(netOpts.hubspot_url);
    portal = { hostname: url.hostname, port: Number(url.port || 80) };
  }
  return {
    allowAll: Boolean(netOpts.allow_all),
    live: Boolean(netOpts.live),
    allowed: netOpts.allow_hosts || [],
    manifest: netOpts.manifest || "the action's manifest",
    hubspotHosts,
    portal,
    // The sandbox's egress proxy (its environment names it), else null.
    proxy: sandboxed && (proxyHttp || proxyHttps) ? { http: proxyHttp, https: proxyHttps } : null,
    noProxy(host) {
      host = String(host || '').toLowerCase();
      return noProxy.some((entry) => {
        const bare = entry.replace(/^\*?\./, '');
        return entry === '*' || host === bare || host.endsWith(`.${bare}`);
      });
    },
    isHubSpot(host) {
      return hubspotHosts.includes(String(host || '').toLowerCase().replace(/\.$/, ''));
    },
    // null when a connection to host may be made, else the error refusing it.
    refusal(host) {
      if (this.allowAll || isLoopback(host) || hostAllowed(host, this.allowed)) return null;
      if (this.isHubSpot(host)) {
        if (this.live) return null;
        return new NetworkBlockedError(
          `hsrun: no HubSpot portal is attached for ${host}; run through hsrun's fake ` +
            'portal (hsrun invoke, the run_action fixture) or pass --live for the real API',
        );
      }
      return new NetworkBlockedError(
        `hsrun blocked an outbound connection to ${host}: add "${host}" to allow_hosts ` +
          `in ${this.manifest}, or pass --allow-net`,
      );
    },
  };
}

let policy = null; // the current job's; patches below read it at call time

function installNetworkGuard() {
  // Every TCP connection (http, https, tls, undici's fetch, raw net) goes through
  // net.Socket.prototype.connect: the one place to refuse a host.
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    let host = null;
    if (first && typeof first === 'object') {
      host = first.path ? null : first.host || 'localhost';
    } else if (typeof first === 'number' || /^\d+$/.test(String(first))) {
      host = typeof args[1] === 'string' ? args[1] : 'localhost';
    }
    const refusal = policy && host !== null ? policy.refusal(host) : null;
    if (refusal) {
      process.nextTick(() => this.destroy(refusal));
      return this;
    }
    return connect.apply(this, args);
  };
}

// A name lookup is a way out too (a DNS query carries data), and UDP does not go through
// net.Socket: both get the same rule as a TCP connection (Python's child guards getaddrinfo).
const DNS_CALLS = ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny',
  'resolveCname', 'resolveMx', 'resolveNs', 'resolveTxt', 'resolveSrv', 'resolveNaptr',
  'resolvePtr', 'resolveSoa', 'resolveCaa', 'reverse'];

function guardDns(dns) {
  for (const name of DNS_CALLS) {
    const real = dns[name];
    if (typeof real !== 'function') continue;
    dns[name] = function guardedLookup(host, ...rest) {
      const refusal = policy ? policy.refusal(host) : null;
      if (!refusal) return real.call(this, host, ...rest);
      const callback = rest[rest.length - 1];
      if (typeof callback !== 'function') throw refusal;
      process.nextTick(callback, refusal);
      return undefined;
    };
  }
  if (dns.promises) guardDnsPromises(dns.promises);
}

function guardDnsPromises(promises) {
  if (guardedModules.has(promises)) return;
  guardedModules.add(promises);
  for (const name of DNS_CALLS) {
    const real = promises[name];
    if (typeof real !== 'function') continue;
    promises[name] = function guardedLookup(host, ...rest) {
      const refusal = policy ? policy.refusal(host) : null;
      return refusal ? Promise.reject(refusal) : real.call(this, host, ...rest);
    };
  }
}

function guardDgram(dgram) {
  const proto = dgram.Socket.prototype;
  const send = proto.send;
  const connect = proto.connect;
  // send(msg[, offset, length][, port][, address][, callback]): the address is the first
  // string after the message (none: localhost, or the connected peer, already checked).
  proto.send = function guardedSend(msg, ...rest) {
    const address = rest.find((arg) => typeof arg === 'string');
    const refusal = policy && address !== undefined ? policy.refusal(address) : null;
    if (!refusal) return send.call(this, msg, ...rest);
    const callback = rest.find((arg) => typeof arg === 'function');
    process.nextTick(() => (callback ? callback(refusal) : this.emit('error', refusal)));
    return undefined;
  };
  proto.connect = function guardedConnect(port, address, ...rest) {
    const refusal =
      policy && typeof address === 'string' ? policy.refusal(address) : null;
    if (!refusal) return connect.call(this, port, address, ...rest);
    process.nextTick(() => this.emit('error', refusal));
    return undefined;
  };
}

// In the kernel sandbox the only way to an allow_hosts host is the egress proxy its
// environment names (HTTP(S)_PROXY, as for Python's requests); undici's fetch ignores those
// variables, so its connections to such a host are tunnelled through the proxy here
// (CONNECT, then TLS for https), the way undici's own ProxyAgent does.
function sandboxProxy(url) {
  if (!policy || !policy.proxy) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isLoopback(host) || policy.isHubSpot(host) || policy.noProxy(host)) return null;
  return url.protocol === 'https:' ? policy.proxy.https : policy.proxy.http;
}

let proxyAgents = null;

function proxyDispatcher(proxy) {
  if (!proxyAgents) {
    proxyAgents = new Map();
    const key = Symbol.for('undici.globalDispatcher.1');
    if (!globalThis[key]) fetchOriginal().catch(() => {}); // makes undici's own Agent
  }
  if (!proxyAgents.has(proxy)) {
    const Agent = globalThis[Symbol.for('undici.globalDispatcher.1')].constructor;
    proxyAgents.set(proxy, new Agent({ connect: tunnelThrough(new URL(proxy)) }));
  }
  return proxyAgents.get(proxy);
}

function tunnelThrough(proxy) {
  return (opts, callback) => {
    const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
    const refusal = policy ? policy.refusal(opts.hostname) : null;
    if (refusal) return callback(refusal);
    const target = `${opts.hostname}:${port}`;
    const socket = net.connect(Number(proxy.port || 80), proxy.hostname);
    let settled = false;
    const fail = (err) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      callback(err);
    };
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.removeListener('data', onData);
      const status = head.subarray(0, end).toString('latin1').split(' ')[1];
      if (status !== '200') {
        // The proxy's refusal (403: not in allow_hosts) or failure (502), in its words.
        const text = head.subarray(end + 4).toString('utf8').trim();
        const unknown = /not known|name resolution|nodename nor servname/i.test(text);
        return fail(Object.assign(new Error(text || `proxy answered ${status}`), {
          code: unknown ? 'ENOTFOUND' : 'ECONNREFUSED',
        }));
      }
      socket.removeListener('error', fail);
      if (opts.protocol !== 'https:') {
        settled = true;
        return callback(null, socket);
      }
      const secure = require('tls').connect({
        ...(opts.tls || {}), // an https request's own TLS options (ca, rejectUnauthorized...)
        socket,
        servername: opts.servername || opts.hostname,
        ALPNProtocols: ['http/1.1'],
      });
      secure.once('error', fail);
      secure.once('secureConnect', () => {
        secure.removeListener('error', fail);
        settled = true;
        callback(null, secure);
      });
    };
    socket.on('error', fail);
    socket.on('data', onData);
    socket.once('connect', () => {
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    });
    return undefined;
  };
}

// Request options of http(s).request(url?, options?, callback?) as one object.
function requestOptions(args) {
  let [first, second, third] = args;
  let opts = {};
  if (typeof first === 'string' || first instanceof URL) {
    const url = new URL(String(first));
    opts = {
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
    };
    if (url.username || url.password) {
      opts.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    }
    if (typeof second === 'function') {
      third = second;
      second = undefined;
    }
    opts = { ...opts, ...(second || {}) };
  } else {
    opts = { ...(first || {}) };
    third = typeof second === 'function' ? second : third;
  }
  return { opts, callback: third };
}

const HTTP_MODULES = new Set(['http', 'https', 'node:http', 'node:https']);
const routedModules = new WeakSet();

// @hubspot/api-client (node-fetch), axios (follow-redirects), request and plain code all
// call https.request / https.get through the module object at request time: a HubSpot host
// is sent, unmodified otherwise, to the fake portal over plain HTTP.
function routeHttpModule(mod) {
  if (routedModules.has(mod)) return;
  routedModules.add(mod);
  const original = { request: mod.request, get: mod.get };
  const secure = Boolean(mod.globalAgent && mod.globalAgent.defaultPort === 443);
  for (const name of ['request', 'get']) {
    mod[name] = function routedRequest(...args) {
      if (!policy || ((!policy.portal || policy.live) && !policy.proxy)) {
        return original[name].apply(mod, args);
      }
      const { opts, callback } = requestOptions(args);
      const host = opts.hostname || String(opts.host || '').replace(/:\d+$/, '');
      if (policy.proxy) {
        const proxied = throughProxy(opts, host, secure, name, callback);
        if (proxied) return proxied;
      }
      if (!policy.portal || policy.live || !policy.isHubSpot(host)) {
        return original[name].apply(mod, args);
      }
      const headers = { ...(opts.headers || {}) };
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host')) headers.host = host;
      const routed = {
        ...opts,
        protocol: 'http:',
        hostname: policy.portal.hostname,
        host: policy.portal.hostname,
        port: policy.portal.port,
        headers,
      };
      delete routed.agent;
      delete routed.createConnection;
      return require('http')[name](routed, callback);
    };
  }
}

// In the kernel sandbox, an http(s) request to an allow_hosts host: through the egress
// proxy. A request made straight to the host gets an agent that tunnels (as fetch does); one
// a client already addressed to the proxy with the whole URL (axios and request do that, also
// for https, which the proxy does not take) is sent to its host the same way.
function throughProxy(opts, host, secure, name, callback) {
  const proxy = new URL(secure ? policy.proxy.https : policy.proxy.http);
  const port = String(opts.port || (secure ? 443 : 80));
  const target = String(opts.path || '');
  if (isLoopback(host) && port === (proxy.port || '80') && /^https?:\/\//i.test(target)) {
    const url = new URL(target);
    const headers = {};
    for (const [key, value] of Object.entries(opts.headers || {})) {
      const lower = key.toLowerCase();
      if (lower !== 'proxy-authorization' && lower !== 'proxy-connection') headers[key] = value;
    }
    const direct = {
      ...opts,
      protocol: url.protocol,
      hostname: url.hostname,
      host: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers,
    };
    delete direct.agent;
    return require(url.protocol === 'https:' ? 'https' : 'http')[name](direct, callback);
  }
  if (opts.agent || opts.createConnection) return null; // the caller chose its own way
  const url = new URL(`${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}`);
  const viaProxy = sandboxProxy(url);
  if (!viaProxy) return null;
  const mod = require(secure ? 'https' : 'http');
  return mod[name]({ ...opts, agent: tunnelAgent(mod, secure, viaProxy) }, callback);
}

const tunnelAgents = new Map();
const TLS_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'ciphers',
  'ecdhCurve', 'minVersion', 'maxVersion', 'secureProtocol', 'checkServerIdentity', 'session'];

function tlsOptions(options) {
  const picked = {};
  for (const key of TLS_OPTIONS) if (options[key] !== undefined) picked[key] = options[key];
  return picked;
}

function tunnelAgent(mod, secure, proxy) {
  const key = `${secure}:${proxy}`;
  if (!tunnelAgents.has(key)) {
    const agent = new mod.Agent({ keepAlive: false });
    const tunnel = tunnelThrough(new URL(proxy));
    agent.createConnection = (options, callback) => {
      tunnel(
        {
          hostname: options.host || options.hostname,
          port: options.port,
          protocol: secure ? 'https:' : 'http:',
          servername: options.servername,
          tls: tlsOptions(options),
        },
        callback,
      );
      return undefined;
    };
    tunnelAgents.set(key, agent);
  }
  return tunnelAgents.get(key);
}

const GUARDED_MODULES = {
  dns: guardDns,
  'node:dns': guardDns,
  'dns/promises': guardDnsPromises,
  'node:dns/promises': guardDnsPromises,
  dgram: guardDgram,
  'node:dgram': guardDgram,
};
const guardedModules = new WeakSet();
const PUNYCODE = new Set(['punycode', 'node:punycode']);
let punycodeSeen = false;

function isUnderNodeModules(file) {
  return /[\\/]node_modules[\\/]/.test(String(file || ''));
}

function installHubSpotRoute() {
  // http and https are routed (dns and dgram guarded) when first required (https loads TLS:
  // a pure action that never requires it does not pay for it).
  const load = Module._load;
  Module._load = function hsrunLoad(request, parent, ...rest) {
    if (PUNYCODE.has(request)) return loadPunycode(load, this, request, parent, rest);
    const exports = load.call(this, request, parent, ...rest);
    if (HTTP_MODULES.has(request)) routeHttpModule(exports);
    const guard = GUARDED_MODULES[request];
    if (guard && !guardedModules.has(exports)) {
      if (guard !== guardDnsPromises) guardedModules.add(exports);
      guard(exports);
    }
    return exports;
  };
  // Global fetch (undici) has its own HTTP stack: rewrite the URL before it starts.
  if (typeof globalThis.fetch === 'function') {
    const fetch = globalThis.fetch;
    fetchOriginal = fetch;
    globalThis.fetch = function routedFetch(input, init) {
      if (!policy || (!policy.portal && !policy.proxy)) return fetch(input, init);
      const isRequest = typeof Request !== 'undefined' && input instanceof Request;
      let url;
      try {
        url = new URL(isRequest ? input.url : String(input));
      } catch (_) {
        return fetch(input, init); // fetch gives its own TypeError
      }
      if (policy.portal && !policy.live && policy.isHubSpot(url.hostname)) {
        url.protocol = 'http:';
        url.hostname = policy.portal.hostname;
        url.port = String(policy.portal.port);
        return fetch(isRequest ? new Request(url, input) : url, init);
      }
      const proxy = sandboxProxy(url);
      if (!proxy || (init && init.dispatcher)) return fetch(input, init);
      return fetch(input, { ...init, dispatcher: proxyDispatcher(proxy) });
    };
  }
}

let fetchOriginal = null;

// Node 21+ warns (DEP0040) when punycode is first loaded by code outside node_modules, judged
// by the first frame that is not Node's own: that would be this hook, so a library's
// require('punycode') (whatwg-url's, under @hubspot/api-client) would warn in every run,
// which it does not on Lambda. The warning is decided here by who requires it instead.
function loadPunycode(load, self, request, parent, rest) {
  const first = !punycodeSeen;
  punycodeSeen = true;
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  let exports;
  try {
    exports = load.call(self, request, parent, ...rest);
  } finally {
    process.noDeprecation = quiet;
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (first && major >= 21 && !isUnderNodeModules(parent && parent.filename)) {
    process.emitWarning(
      'The `punycode` module is deprecated. Please use a userland alternative instead.',
      'DeprecationWarning',
      'DEP0040',
    );
  }
  return exports;
}

// ------------------------------------------------------------------------------ errors

// The HTTP status carried by an error the action threw (HubSpot retries on 429 and 5xx
// "from axios or @hubspot/api-client"): axios' err.response.status, the client's
// ApiException err.code, or a statusCode/status an HTTP error object carries.
function httpStatusOf(err) {
  if (!err || typeof err !== 'object') return null;
  const candidates = [
    err.response && err.response.status,
    err.response && err.response.statusCode,
    err.code,
    err.statusCode,
    err.status,
  ];
  for (const value of candidates) {
    if (Number.isInteger(value) && value >= 100 && value <= 599) return value;
  }
  return null;
}

// Lambda's Node runtime: an Error becomes {errorType: its name, errorMessage, trace}; any
// other thrown value has errorType = typeof value and its string form as the message.
// The stack as the action's author knows it: the bootstrap's frames (and Node's module loader
// below them) are not theirs.
function userStack(stack) {
  const lines = String(stack || '').split('\n');
  const cut = lines.findIndex((line) => line.includes(__filename));
  return (cut < 0 ? lines : lines.slice(0, cut))
    .filter((line) => !/\(node:internal\/modules\//.test(line))
    .join('\n');
}

function errorMessage(err, phase, extra) {
  let type;
  let message;
  let stack = '';
  if (err instanceof Error) {
    type = err.name || (err.constructor && err.constructor.name) || 'Error';
    message = err.message;
    stack = userStack(err.stack);
  } else {
    type = typeof err;
    try {
      message = err === undefined ? 'undefined' : String(err);
    } catch (_) {
      message = Object.prototype.toString.call(err);
    }
  }
  return {
    type: 'error',
    phase,
    error_type: type,
    message,
    traceback: stack,
    http_status: phase === 'handler' ? httpStatusOf(err) : null,
    ...extra,
  };
}

// ------------------------------------------------------------------------------ running

// /proc/self/status, opened once: each run reads it twice, and a pread is a third of the
// cost of opening it again. (Not getrusage's maxRSS: after exec it keeps the peak of the
// process that started node, a large parent's.)
const statusFile = { fd: null, buf: Buffer.alloc(16384) };

function readStatus() {
  if (statusFile.fd !== null) {
    try {
      const n = fs.readSync(statusFile.fd, statusFile.buf, 0, statusFile.buf.length, 0);
      return statusFile.buf.latin1Slice(0, n);
    } catch (_) {
      statusFile.fd = null; // the action closed it
    }
  }
  try {
    statusFile.fd = fs.openSync('/proc/self/status', 'r');
  } catch (_) {
    return fs.readFileSync('/proc/self/status', 'latin1');
  }
  return fs.readFileSync(statusFile.fd, 'latin1');
}

function peakMemoryKb() {
  try {
    let match = /VmHWM:\s+(\d+)/.exec(readStatus());
    if (!match) {
      // The action closed the fd and it now names another file of its own.
      statusFile.fd = null;
      match = /VmHWM:\s+(\d+)/.exec(readStatus());
    }
    if (match) return Number(match[1]);
  } catch (_) {
    // not Linux
  }
  return Math.round(process.resourceUsage().maxRSS);
}

const VERSIONS = new Map(); // library -> version, looked up once per process

// Versions of HubSpot's libraries this process has loaded (Node.js itself included).
let versionsSeen = { count: -1, libraries: null, found: null };

function libraryVersions(libraries) {
  const loaded = Object.keys(require.cache);
  const names = (libraries || []).join(',');
  // A warm process asks again after every run: the answer changes only with what is loaded.
  if (versionsSeen.count === loaded.length && versionsSeen.libraries === names) {
    return versionsSeen.found;
  }
  const found = {};
  for (const name of libraries || []) {
    const marker = `${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`;
    if (!loaded.some((file) => file.includes(marker))) continue;
    if (!VERSIONS.has(name)) {
      try {
        const file = require.resolve(`${name}/package.json`);
        VERSIONS.set(name, JSON.parse(fs.readFileSync(file, 'utf8')).version);
      } catch (_) {
        VERSIONS.set(name, null); // it hides its package.json
      }
    }
    if (VERSIONS.get(name)) found[name] = VERSIONS.get(name);
  }
  found['node'] = process.versions.node;
  versionsSeen = { count: loaded.length, libraries: names, found };
  return found;
}

function loadAction(file, fresh) {
  if (fresh) delete require.cache[file];
  return require(file);
}

// Lambda's wording for an action that cannot be loaded.
function initError(err) {
  if (err instanceof SyntaxError) {
    return errorMessage(err, 'init', {
      error_type: 'Runtime.UserCodeSyntaxError',
      message: `${err.name}: ${err.message}`,
    });
  }
  if (err && err.code === 'MODULE_NOT_FOUND') {
    return errorMessage(err, 'init', {
      error_type: 'Runtime.ImportModuleError',
      message: `Error: ${err.message}`,
    });
  }
  return errorMessage(err, 'init');
}

class Invocation {
  constructor(job, chan, state) {
    this.job = job;
    this.chan = chan;
    this.state = state;
    this.done = false;
    this.callbackCalls = 0;
    this.callbackValue = undefined;
    this.returned = undefined;
    this.settled = false; // the returned promise (if any) settled
    this.alerts = [];
    this.t0 = 0;
    this.initMs = null;
    this.keepAlive = null;
  }

  finish(msg) {
    if (this.done) return;
    this.done = true;
    if (this.keepAlive) clearInterval(this.keepAlive);
    msg.duration_ms = performance.now() - this.t0;
    msg.init_ms = this.initMs;
    msg.peak_kb = peakMemoryKb();
    msg.alerts = this.alerts;
    msg.libraries = libraryVersions(this.job.libraries);
    this.chan.send(msg);
    this.state.onDone(msg.type === 'result' || msg.phase === 'handler' || msg.phase === 'outputs');
  }

  succeed(value) {
    let encoded;
    try {
      encoded = JSON.stringify(value === undefined ? null : value);
    } catch (err) {
      // Lambda: "Unable to stringify response body" for a cycle or a BigInt.
      this.finish({
        type: 'error',
        phase: 'outputs',
        error_type: 'Runtime.MarshalError',
        message: `Unable to stringify response body: ${err.message}`,
        traceback: '',
        http_status: null,
      });
      return;
    }
    const kind = value === null || value === undefined ? 'undefined' : typeof value;
    // What Lambda's service measures against its response limit: the encoded payload.
    const size = Buffer.byteLength(encoded, 'utf8');
    const limit = this.job.max_response_bytes;
    this.finish({
      type: 'result',
      value_json: limit && size > limit ? null : encoded,
      value_type: Array.isArray(value) ? 'array' : kind,
      size,
    });
  }

  fail(err, phase = 'handler', extra = {}) {
    this.finish(errorMessage(err, phase, extra));
  }

  // NODE16X/NODE20X: callback(outputs) ends the run once the event loop is empty too.
  callback(...args) {
    this.callbackCalls += 1;
    if (this.callbackCalls === 2) {
      this.alerts.push({
        code: 'CALLBACK_CALLED_TWICE',
        output: '',
        message: 'callback was called more than once: the first call counts, later ones are ignored',
      });
    }
    if (this.callbackCalls === 1) this.callbackValue = args;
  }

  // The event loop drained ('beforeExit'): the moment Lambda's callbackWaitsForEmptyEventLoop
  // ends a callback-style run.
  drained() {
    if (this.done) return;
    const callbackStyle = this.job.handler_style === 'callback';
    if (callbackStyle && this.callbackCalls > 0) {
      const [first, second] = this.callbackValue;
      if (first instanceof Error) return this.fail(first);
      return this.succeed(first === undefined || first === null ? second : first);
    }
    const pending = this.returned instanceof Promise && !this.settled;
    if (pending || (callbackStyle && this.job.no_callback === 'timeout')) {
      // A promise that never settles (or, with the strict switch, a callback never called)
      // holds the run until the parent's clock ends it, as Lambda's runtime client does.
      if (!this.keepAlive) this.keepAlive = setInterval(() => {}, 1 << 30);
      return;
    }
    if (callbackStyle) {
      this.alerts.push({
        code: 'NO_CALLBACK',
        output: '',
        message: 'main never called callback: the action succeeded with no data outputs',
      });
      if (this.returnedValue && typeof this.returnedValue === 'object') {
        this.alerts.push({
          code: 'RETURN_IGNORED',
          output: '',
          message: `${this.job.runtime} takes outputs from callback(...), not from what main returns`,
        });
      }
      return this.succeed(null);
    }
    return this.succeed(this.returnedValue);
  }
}

// The job's environment, exactly (a warm process usually has it already: comparing is an
// eighth of the cost of setting every variable again).
function setEnvironment(wanted) {
  const present = Object.keys(process.env);
  const keys = Object.keys(wanted);
  if (present.length === keys.length && keys.every((key) => process.env[key] === wanted[key])) {
    return;
  }
  for (const key of present) delete process.env[key];
  Object.assign(process.env, wanted);
}

function runJob(job, chan, state) {
  const file = job.path;
  if (state.sandboxed && !state.reported) {
    // Started by the sandbox's wrapper, which ran node only once inside the namespaces.
    state.reported = true;
    chan.send({ type: 'sandbox', isolation: 'namespaces' });
  }
  setEnvironment(job.env || {});
  logState.requestId = job.request_id || '';
  policy = networkPolicy(job, state.sandboxed);
  try {
    process.chdir(path.dirname(file));
  } catch (_) {
    // the folder is gone: run from where we are
  }
  const inv = new Invocation(job, chan, state);
  state.current = inv;

  let mod = state.module;
  if (!mod || state.path !== file) {
    const t0 = performance.now();
    try {
      mod = loadAction(file, true);
    } catch (err) {
      inv.finish(initError(err));
      return;
    }
    inv.initMs = performance.now() - t0;
    state.module = mod;
    state.path = file;
  }
  const handler = mod && mod.main;
  if (typeof handler !== 'function') {
    const name = path.basename(file, path.extname(file));
    inv.finish({
      type: 'error',
      phase: 'init',
      error_type: 'Runtime.HandlerNotFound',
      message: `${name}.main is undefined or not exported`,
      traceback: '',
      http_status: null,
    });
    return;
  }
  const callbackStyle = job.handler_style === 'callback';
  const args = [job.event];
  if (callbackStyle) {
    args.push((...values) => inv.callback(...values));
  } else if (handler.length >= 2) {
    // HubSpot's Node 24 passes no callback (Lambda's nodejs24.x removed callback handlers).
    inv.alerts.push({
      code: 'CALLBACK_NOT_SUPPORTED',
      output: '',
      message: `main takes a callback, but ${job.runtime} passes none: return the outputs instead`,
    });
    if (job.node24_callback === 'allow') {
      args.push((value) => {
        if (!inv.done) inv.succeed(value);
      });
    }
  }
  chan.send({ type: 'start', init_ms: inv.initMs, peak_kb: peakMemoryKb() });
  inv.t0 = performance.now();
  let value;
  try {
    value = handler(...args);
  } catch (err) {
    inv.fail(err);
    return;
  }
  inv.returned = value;
  if (value && typeof value.then === 'function') {
    inv.returned = Promise.resolve(value);
    inv.returned.then(
      (resolved) => {
        inv.settled = true;
        inv.returnedValue = resolved;
        if (!callbackStyle) inv.succeed(resolved);
      },
      (err) => {
        inv.settled = true;
        inv.fail(err);
      },
    );
  } else {
    inv.settled = true;
    inv.returnedValue = value;
    // Lambda's Node 24 answers with a synchronous handler's return value right away.
    if (!callbackStyle) inv.succeed(value);
  }
}

function main(argv) {
  const args = {};
  for (let i = 0; i + 1 < argv.length; i += 2) args[argv[i]] = argv[i + 1];
  const chan = new Channel(Number(args['--control-fd']));
  installConsole();
  installNetworkGuard();
  installHubSpotRoute();
  // V8's code cache for the libraries (Node 22+): compiled once, kept beside them, checked
  // against each file's text by Node before use. In the sandbox the folder is read-only.
  const cacheDir = args['--compile-cache'];
  const useCache = cacheDir && typeof Module.enableCompileCache === 'function';
  if (useCache) Module.enableCompileCache(cacheDir);
  // HubSpot's libraries, loaded while the process waits in the pool: a cold run skips them.
  for (const name of (args['--preload'] || '').split(',').filter(Boolean)) {
    try {
      require(name);
    } catch (_) {
      // not installed: the action gets the ordinary error if it requires it
    }
  }
  if (useCache && typeof Module.flushCompileCache === 'function') Module.flushCompileCache();
  const state = {
    sandboxed: args['--sandboxed'] === '1',
    reported: false,
    module: null,
    path: null,
    current: null,
    onDone(healthy) {
      const inv = this.current;
      this.current = null;
      if (!inv.job.warm || !healthy) {
        // Cold: the parent stops this process; it must not run on meanwhile.
        process.exitCode = 0;
        process.reallyExit(0);
      }
      setImmediate(next);
    },
  };
  process.on('beforeExit', () => {
    if (state.current) state.current.drained();
  });
  process.on('unhandledRejection', (reason) => {
    const inv = state.current;
    if (!inv || inv.done) return;
    // Lambda: {"errorType": "Runtime.UnhandledPromiseRejection", "errorMessage": "<reason>"}
    const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    inv.finish(
      errorMessage(reason, 'handler', {
        error_type: 'Runtime.UnhandledPromiseRejection',
        message: text,
        http_status: null,
      }),
    );
  });
  process.on('uncaughtException', (err) => {
    const inv = state.current;
    if (!inv || inv.done) process.reallyExit(1);
    inv.fail(err);
  });
  function next() {
    const job = chan.recv();
    if (job === null || job.type === 'exit') process.reallyExit(0);
    runJob(job, chan, state);
  }
  chan.send({ type: 'ready', pid: process.pid });
  next();
}

main(process.argv.slice(2));
