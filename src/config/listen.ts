import path from 'node:path';
import type { ListenAddress } from '../supervisor/settings';
import { SettingError } from './setting-error';

/** What is wrong with a --listen word: its address, its port, its name, its unix path's length, or it repeats an address. */
export type ListenProblem = 'address' | 'port' | 'name' | 'path' | 'twice';

/** A listen address refused: `problem` says which part, for the command line's words; `earlier`, the address it repeats as first typed. */
export class ListenError extends SettingError {
  constructor(
    readonly problem: ListenProblem,
    value: unknown,
    want: string,
    readonly earlier?: string,
  ) {
    super('listen', value, want, earlier === undefined ? undefined : `given before as ${earlier}`);
  }
}

/** The longest LISTEN_FDNAMES entry systemd takes (its FDNAME_MAX). */
export const MAX_LISTEN_NAME = 255;

/** The longest unix socket path: sun_path holds 108 bytes, its NUL included. */
export const MAX_UNIX_PATH = 107;

/** What the address grammar wants, in run()'s words and the command line's. */
export const LISTEN_GRAMMAR = 'tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH';

/**
 * `[NAME=]ADDR` words as sockets to open, each checked; unix paths made absolute against `cwd`
 * (tsinit leaves its start directory once the command runs). NAME defaults to ADDR as typed with
 * every ':' made '-' (LISTEN_FDNAMES separates names with ':'). An address given twice, however
 * spelled (`[::]` and `[0::0]`), is refused. Throws a ListenError.
 */
export function listenAddresses(words: readonly unknown[], cwd: string): ListenAddress[] {
  const seen = new Map<string, string>();
  return words.map((word) => {
    const address = listenAddress(word, cwd);
    const key = address.kind === 'tcp' ? `tcp ${canonicalHost(address.host)} ${address.port}` : `unix ${address.path}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) throw new ListenError('twice', address.text, 'each address once', earlier);
    seen.set(key, address.text);
    return address;
  });
}

function listenAddress(word: unknown, cwd: string): ListenAddress {
  if (typeof word !== 'string') throw new ListenError('address', word, LISTEN_GRAMMAR);
  // NAME= comes first: an '=' before any ':' (a name has no ':', an address starts `tcp:` or `unix:`).
  const equals = word.indexOf('=');
  const colon = word.indexOf(':');
  const named = equals !== -1 && (colon === -1 || equals < colon);
  const text = named ? word.slice(equals + 1) : word;
  const name = named ? word.slice(0, equals) : text.replaceAll(':', '-');
  if (named && !new RegExp(`^[A-Za-z0-9_.-]{1,${MAX_LISTEN_NAME}}$`).test(name)) {
    throw new ListenError('name', name, `a name of letters, digits, '_', '.' and '-', at most ${MAX_LISTEN_NAME}`);
  }
  if (text.startsWith('unix:')) {
    const given = text.slice('unix:'.length);
    if (given === '' || given.includes('\0')) throw new ListenError('address', text, LISTEN_GRAMMAR);
    const absolute = path.resolve(cwd, given);
    if (Buffer.byteLength(absolute) > MAX_UNIX_PATH) throw new ListenError('path', text, `a unix socket path of at most ${MAX_UNIX_PATH} bytes once absolute`);
    return { kind: 'unix', name, path: absolute, text };
  }
  if (!text.startsWith('tcp:')) throw new ListenError('address', text, LISTEN_GRAMMAR);
  const rest = text.slice('tcp:'.length);
  const lastColon = rest.lastIndexOf(':');
  const hostPart = rest.slice(0, Math.max(lastColon, 0));
  const bracketed = /^\[(.*)\]$/.exec(hostPart);
  const host = bracketed ? bracketed[1] : hostPart;
  // IP literals only: no name lookup at PID 1 (no resolver in a distroless image), no v6 zone.
  const isLiteral = bracketed ? canonicalIPv6(host) !== undefined : IPV4.test(host);
  if (lastColon === -1 || !isLiteral) throw new ListenError('address', text, LISTEN_GRAMMAR);
  const portText = rest.slice(lastColon + 1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
  if (port < 1 || port > 65535) throw new ListenError('port', text, 'an address whose port is from 1 to 65535');
  return { kind: 'tcp', name, host, port, text };
}

// A dotted quad, each part 0-255 without leading zeros (inet_pton's IPv4; not `127.1`).
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

// An IPv6 literal in one spelling (`0::0` and `::` alike), by the URL parser's IPv6 grammar:
// node:net's isIPv6 would cost a bare start-up the 8 ms of loading node:net.
function canonicalIPv6(host: string): string | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(host)) return undefined;
  try {
    return new URL(`http://[${host}]/`).hostname;
  } catch {
    return undefined;
  }
}

function canonicalHost(host: string): string {
  return IPV4.test(host) ? host : canonicalIPv6(host)!;
}
