import { BlockList, isIP } from 'node:net';
import { InputError } from '../../errors';

/**
 * Where an OCI registry repository is: `oci://HOST[:PORT]/REPOSITORY`, or the bare
 * `HOST[:PORT]/REPOSITORY` that docker, oras and crane users write.
 */
export interface OciReference {
  /** `host` or `host:port`, as it appears in URLs and in `~/.docker/config.json` keys. */
  host: string;
  /** The host name or IP address alone (IPv6 without brackets). */
  hostname: string;
  port?: number;
  /** The repository path, lower case, e.g. `team/provenance`. */
  repository: string;
  /** `oci://host/repository`: how the registry is named in every message. */
  display: string;
}

/** OCI Distribution v1.1 repository name grammar (`<name>` in the spec). */
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
/** A DNS name: labels of letters, digits and hyphens. */
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** The repository a bare host (no path) stands for, as in the seed's `registry="your-registry.example.com"`. */
export const DEFAULT_REPOSITORY = 'model-provenance';

/**
 * Parses `oci://HOST[:PORT]/REPOSITORY` (the repository may be omitted: DEFAULT_REPOSITORY).
 *
 * @throws InputError `REGISTRY_SPEC_INVALID` naming the problem; credentials in the spec
 *   (`user:pass@host`) are refused without echoing them (they belong in config.json)
 */
export function parseOciSpec(spec: string): OciReference {
  const rest = spec.startsWith('oci://') ? spec.slice(6) : spec;
  const bad = (why: string): InputError => new InputError('REGISTRY_SPEC_INVALID', `${redactSpec(spec)} is not an OCI registry reference (oci://HOST[:PORT]/REPOSITORY): ${why}`);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  let repository = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  if (authority.includes('@')) throw bad('credentials do not belong in the reference; put them in ~/.docker/config.json (DOCKER_CONFIG)');
  if (/[?#]/.test(rest)) throw bad('no query or fragment is allowed');
  if (repository.includes(':') || repository.includes('@')) throw bad('name the repository only, without a tag or digest');
  let hostname: string;
  let portText: string | undefined;
  const v6 = /^\[([0-9a-f:.]+)\](?::(\d+))?$/i.exec(authority);
  if (v6) {
    hostname = v6[1]!;
    portText = v6[2];
    if (isIP(hostname) !== 6) throw bad(`"${hostname}" is not an IPv6 address`);
  } else {
    const m = /^([^:]+)(?::(\d+))?$/.exec(authority);
    if (!m) throw bad(`"${authority}" is not HOST or HOST:PORT`);
    hostname = m[1]!;
    portText = m[2];
    if (!isIP(hostname) && !DNS_NAME.test(hostname)) throw bad(`"${hostname}" is not a host name`);
  }
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw bad(`port ${portText} is out of range`);
  if (repository === '') repository = DEFAULT_REPOSITORY;
  if (!REPOSITORY.test(repository)) throw bad(`"${repository}" is not a repository name (lower-case letters, digits and . _ - separators, path components joined by /)`);
  const host = `${v6 ? `[${hostname}]` : hostname.toLowerCase()}${port !== undefined ? `:${port}` : ''}`;
  return { host, hostname: v6 ? hostname : hostname.toLowerCase(), ...(port !== undefined ? { port } : {}), repository, display: `oci://${host}/${repository}` };
}

/**
 * Whether a registry spec without a scheme names an OCI registry rather than a folder.
 * Docker's rule for the first path component: it is a host when it contains a `.` or a
 * `:`, or is `localhost`; a spec starting with `.`, `/`, `~` or a Windows drive is a path.
 * So `ghcr.io/team/provenance`, `localhost:5000/x` and `registry.example.com` are OCI;
 * `.provenance`, `./ghcr.io/x`, `team/provenance` and `/abs/path` are folders.
 */
export function looksLikeOciSpec(spec: string): boolean {
  if (spec.startsWith('oci://')) return true;
  if (/^(?:[./~\\]|[a-z]:[\\/])/i.test(spec) || spec.includes('\\') || /^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) return false;
  const first = spec.split('/', 1)[0]!;
  if (first === 'localhost' || /^localhost:\d+$/.test(first) || /^\[[0-9a-f:.]+\](?::\d+)?$/i.test(first)) return true;
  if (!first.includes('.') && !first.includes(':')) return false;
  const m = /^([^:]+)(?::(\d+))?$/.exec(first);
  if (!m) return false;
  const name = m[1]!;
  if (isIP(name) === 4) return true;
  // A host needs a top-level label of letters (`example.com`), or a port; this keeps
  // `v1.2/registry` and `model.v2` paths out.
  return DNS_NAME.test(name) && (m[2] !== undefined || /\.[a-z]{2,63}$/i.test(name));
}

/**
 * Loopback hosts are the only ones plain HTTP is used for without `--insecure`:
 * `localhost` and `*.localhost` (RFC 6761), 127.0.0.0/8, `::1` in any spelling, and
 * IPv4-mapped loopback (`::ffff:127.0.0.1`, which WHATWG URL rewrites to `::ffff:7f00:1`).
 * Takes a host name as a reference or a URL gives it, IPv6 with or without brackets.
 */
export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const family = isIP(h);
  return family !== 0 && loopbackRanges().check(h, family === 4 ? 'ipv4' : 'ipv6');
}

let loopback: BlockList | undefined;
/** 127.0.0.0/8 and ::1; Node's BlockList also matches IPv4-mapped IPv6 against the IPv4 rule. */
function loopbackRanges(): BlockList {
  if (!loopback) {
    loopback = new BlockList();
    loopback.addSubnet('127.0.0.0', 8, 'ipv4');
    loopback.addAddress('::1', 'ipv6');
  }
  return loopback;
}

/** A spec with any userinfo cut out, for messages. */
export function redactSpec(spec: string): string {
  return spec.replace(/^((?:oci:\/\/)?)[^/@]*@/, '$1***@');
}
