/**
 * The four-stage pipeline over a real OCI registry (Debian's docker-registry, CNCF
 * Distribution 2.8, started here on 127.0.0.1 with a free port), once anonymous and once
 * behind htpasswd basic auth with the credentials in a temporary DOCKER_CONFIG:
 *
 *  - every stage attested with `--registry oci://127.0.0.1:PORT/team/provenance`;
 *  - `registry copy` to a local folder and back to a second repository, twice (idempotent);
 *  - `verify --policy`, `lineage` (JSON, text, Mermaid) and `report` give the same results on
 *    the OCI registry, the folder copy and the copy back;
 *  - `registry verify` is OK on both backends;
 *  - an advisory flags the SFT dataset: `incident impact` (the reverse lookups over the synced
 *    mirror), `incident ls`, `incident report` and the gate's refusal are the same on both;
 *  - the layout as a plain OCI client sees it (what `oras discover` does on a registry
 *    without the referrers API): the subject manifest tagged `sha256-<digest>.subject`, the
 *    OCI 1.1 referrers tag schema index `sha256-<subject manifest hex>`, the artifact manifests
 *    with artifactType = the Sigstore bundle media type, the bundle as their one layer;
 *  - the password and the base64 `auth` appear in no output and no cached file.
 *
 * Distribution 2.8 has no referrers API (`GET /v2/NAME/referrers/D` is 404): this tier tests
 * the referrers tag-schema path. No registry with the referrers API can run here.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir, type CliRun } from '../helpers/fixtures';
import { dockerConfig, startRegistry, type RunningRegistry } from '../helpers/oci';
import { makeWorld, pipelineSteps, type World } from './world';

const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SOURCE_DATE_EPOCH = String(Math.floor(Date.now() / 1000));

interface Setup {
  name: string;
  auth?: { user: string; password: string };
}

const SETUPS: Setup[] = [{ name: 'anonymous' }, { name: 'htpasswd basic auth', auth: { user: 'ci-bot', password: `pw-${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 20)}` } }];

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    for (const n of readdirSync(p)) {
      const q = join(p, n);
      if (statSync(q).isDirectory()) walk(q);
      else out.push(q);
    }
  };
  walk(dir);
  return out;
}

for (const setup of SETUPS) {
  describe(`the four-stage pipeline on an OCI registry (${setup.name})`, () => {
    let reg: RunningRegistry;
    let w: World;
    let env: NodeJS.ProcessEnv;
    let cache: string;
    const outputs: CliRun[] = [];
    const cli = async (args: string[], expect = 0): Promise<CliRun> => {
      const r = await runCli(args, { env, cwd: w.dir });
      outputs.push(r);
      assert.equal(r.code, expect, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
      return r;
    };

    before(async () => {
      const dir = tempDir('mp-oci-pipeline-', { untilExit: true });
      reg = await startRegistry(join(dir, 'registry'), setup.auth ? { basicAuth: setup.auth } : {});
      w = makeWorld(join(dir, 'world'));
      cache = join(dir, 'cache');
      env = { MODEL_PROVENANCE_CACHE: cache, DOCKER_CONFIG: setup.auth ? dockerConfig(join(dir, 'docker'), reg.host, setup.auth.user, setup.auth.password) : join(dir, 'no-docker-config'), SOURCE_DATE_EPOCH, MODEL_PROVENANCE_REGISTRY: '' };
    });
    after(async () => {
      await reg.stop();
    });

    test('attest, copy both ways, and the same verify --policy, lineage and report on every copy', async () => {
      const oci = reg.spec;
      const local = join(w.dir, 'copy', '.provenance');
      mkdirSync(join(w.dir, 'copy')); // a new registry folder is created only beside an existing parent
      const back = `oci://${reg.host}/team/copy-back`;
      await cli(['sign', 'key', w.models.quantized, '--private-key', w.key('quantizer')]);
      for (const s of pipelineSteps(w)) {
        const r = await cli([...s, '--registry', oci]);
        assert.match(r.stdout, new RegExp(`stored +sha256:[0-9a-f]{64} in ${oci.replace(/[.]/g, '\\.')}:sha256-[0-9a-f]{64}\\.[a-z2-7]{52}`));
      }

      // Both ways, twice each: the second copy finds everything there.
      assert.match((await cli(['registry', 'copy', oci, `file:${local}`])).stdout, /^copied 5 entries from .* \(0 already there\)/);
      assert.match((await cli(['registry', 'copy', oci, `file:${local}`])).stdout, /^copied 0 entries .* \(5 already there\)/);
      assert.match((await cli(['registry', 'copy', local, back])).stdout, /^copied 5 entries .* to oci:\/\/127\.0\.0\.1:\d+\/team\/copy-back \(0 already there\)/);
      assert.equal(JSON.parse((await cli(['registry', 'copy', local, back, '--format', 'json'])).stdout).copied, 0);

      const same = (text: string, location: string): string => text.split(location).join('<registry>');
      const verdicts: string[] = [];
      for (const r of [oci, local, back]) {
        const v = await cli(['verify', w.models.quantized, '--policy', w.policyPath, '--registry', r, '--format', 'json']);
        const json = JSON.parse(v.stdout);
        assert.equal(json.verdict, 'verified');
        assert.deepEqual(json.links.map((l: { stage: string }) => l.stage), ['quantization', 'adapter-merge', 'fine-tuning', 'pre-training', 'fine-tuning']);
        verdicts.push(same(v.stdout, r));
        const text = await cli(['verify', w.models.quantized, '--policy', w.policyPath, '--registry', r]);
        assert.match(text.stdout, /^VERIFIED lineage/);
      }
      assert.equal(verdicts[1], verdicts[0], 'verify --policy --format json: the folder copy answers as the OCI registry');
      assert.equal(verdicts[2], verdicts[0], 'verify --policy --format json: the copy back answers as the OCI registry');

      for (const format of ['json', 'text', 'mermaid']) {
        const seen = [];
        for (const r of [oci, local, back]) seen.push(same((await cli(['lineage', w.models.quantized, '--policy', w.policyPath, '--registry', r, '--format', format])).stdout, r));
        assert.equal(seen[1], seen[0], `lineage --format ${format}`);
        assert.equal(seen[2], seen[0], `lineage --format ${format} (copy back)`);
      }

      const reports = [];
      for (const r of [oci, local]) {
        reports.push(same((await cli(['report', w.models.quantized, '--policy', w.policyPath, '--registry', r, '--framework', 'eu-ai-act-annex-iv', '--format', 'json', '--no-check-artifacts'])).stdout, r));
      }
      assert.equal(reports[1], reports[0], 'report --format json');
      assert.match(reports[0]!, /"verdict": "verified"/);

      for (const r of [oci, local, back]) {
        const check = await cli(['registry', 'verify', '--registry', r]);
        assert.match(check.stdout, /^OK .*: 5 index entries for 5 subject\(s\)\n$/);
        const ls = JSON.parse((await cli(['registry', 'ls', '--registry', r, '--format', 'json'])).stdout);
        assert.equal(ls.entries.length, 5);
      }
    });

    test('incident flag, impact, ls and report: the same blast radius and gate on the OCI registry as on the folder', async () => {
      const oci = reg.spec;
      const local = join(w.dir, 'copy', '.provenance');
      const hash = async (p: string): Promise<string> => JSON.parse((await cli(['hash', p, '--format', 'json'])).stdout).digest as string;
      const d = { sft: await hash(w.models.sftData), ft: await hash(w.models.ft), merged: await hash(w.models.merged), quantized: await hash(w.models.quantized) };
      // The SFT dataset is found poisoned: an advisory signed by the policy's advisory signer, in the OCI registry.
      const flagged = await cli(['incident', 'flag', w.models.sftData, '--reason', 'poisoned: trigger phrase found', '--severity', 'high', '--atlas', 'AML.T0020', '--id', 'MP-2026-0042', '--private-key', w.key('security'), '--date', '2026-11-20T00:00:00Z', '--registry', oci, '--format', 'json']);
      assert.match(flagged.stdout, /MP-2026-0042/);
      // The reverse lookups over OCI see it and its consumers; the folder gets it by an incremental copy.
      assert.equal(JSON.parse((await cli(['registry', 'copy', oci, `file:${local}`, '--format', 'json'])).stdout).copied, 1);
      assert.match((await cli(['registry', 'index', '--registry', oci])).stdout, new RegExp(`^6 entries indexed in ${oci.replace(/[.]/g, '\\.')} \\(its synced mirror `));
      const same = (text: string, location: string): string => text.split(location).join('<registry>');
      const seen: Record<string, string[]> = { impact: [], impactText: [], ls: [], report: [], verify: [] };
      for (const r of [oci, local]) {
        const impact = await cli(['incident', 'impact', 'MP-2026-0042', '--policy', w.policyPath, '--registry', r, '--no-workspace', '--format', 'json']);
        const result = JSON.parse(impact.stdout) as { affected: { digest: string; depth: number; verification?: string }[]; advisory?: { verified: boolean } };
        assert.deepEqual(result.affected.map((n) => n.digest).sort(), [d.ft, d.merged, d.quantized].sort(), `incident impact on ${r}: the fine-tune, the merge and the quantization`);
        assert.deepEqual(Object.fromEntries(result.affected.map((n) => [n.digest, n.depth])), { [d.ft]: 1, [d.merged]: 2, [d.quantized]: 3 });
        assert.ok(result.affected.every((n) => n.verification === 'verified'));
        assert.equal(result.advisory?.verified, true);
        seen.impact!.push(same(impact.stdout, r));
        seen.impactText!.push(same((await cli(['incident', 'impact', 'MP-2026-0042', '--policy', w.policyPath, '--registry', r, '--no-workspace'])).stdout, r));
        seen.ls!.push(same((await cli(['incident', 'ls', '--policy', w.policyPath, '--registry', r, '--format', 'json'])).stdout, r));
        seen.report!.push(same((await cli(['incident', 'report', 'MP-2026-0042', '--policy', w.policyPath, '--registry', r, '--no-workspace', '--format', 'json', '--date', '2026-11-21T00:00:00Z'])).stdout, r));
        // The gate obeys the advisory on both backends.
        const gate = await cli(['verify', w.models.quantized, '--policy', w.policyPath, '--registry', r, '--format', 'json'], 1);
        assert.ok(JSON.parse(gate.stdout).problems.some((p: { code: string }) => p.code === 'FLAGGED_ARTIFACT'), gate.stdout);
        seen.verify!.push(same(gate.stdout, r));
      }
      for (const [what, [a, b]] of Object.entries(seen)) assert.equal(b, a, `${what}: the folder answers as the OCI registry`);
      assert.match(seen.impactText![0]!, /3 affected artifact\(s\)/);
    });

    test('the layout, as a plain OCI client reads it (the referrers tag schema)', async () => {
      const headers: Record<string, string> = setup.auth ? { authorization: `Basic ${Buffer.from(`${setup.auth.user}:${setup.auth.password}`).toString('base64')}` } : {};
      const get = async (path: string, accept = 'application/vnd.oci.image.manifest.v1+json'): Promise<{ status: number; body: Buffer; digest: string | null }> => {
        const res = await fetch(`http://${reg.host}/v2/team/provenance/${path}`, { headers: { ...headers, accept } });
        return { status: res.status, body: Buffer.from(await res.arrayBuffer()), digest: res.headers.get('docker-content-digest') };
      };
      const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
      const digest = JSON.parse((await cli(['hash', w.models.quantized, '--format', 'json'])).stdout).digest as string;
      assert.match(digest, /^sha256:[0-9a-f]{64}$/);
      // No referrers API on Distribution 2.8: the path this tier tests is the tag schema.
      const subject = await get(`manifests/sha256-${digest.slice(7)}.subject`);
      assert.equal(subject.status, 200);
      assert.equal(subject.digest, sha(subject.body));
      const subjectJson = JSON.parse(subject.body.toString());
      assert.equal(subjectJson.artifactType, 'application/vnd.dev.model-provenance.subject.v1');
      assert.equal(subjectJson.annotations['dev.model-provenance.subject'], digest);
      assert.equal((await get(`referrers/${sha(subject.body)}`, 'application/vnd.oci.image.index.v1+json')).status, 404, 'Distribution 2.8 has no referrers API');
      const index = await get(`manifests/sha256-${sha(subject.body).slice(7)}`, 'application/vnd.oci.image.index.v1+json');
      assert.equal(index.status, 200);
      const manifests = JSON.parse(index.body.toString()).manifests as { digest: string; artifactType: string; annotations: Record<string, string> }[];
      assert.equal(manifests.length, 1);
      assert.equal(manifests[0]!.artifactType, BUNDLE_TYPE);
      assert.equal(manifests[0]!.annotations['dev.sigstore.bundle.predicateType'], 'https://slsa.dev/provenance/v1');
      assert.equal(manifests[0]!.annotations['dev.model-provenance.stage'], 'quantization');
      assert.equal(manifests[0]!.annotations['dev.model-provenance.subject'], digest);
      assert.match(manifests[0]!.annotations['org.opencontainers.image.created']!, /^\d{4}-\d\d-\d\dT/);
      const art = await get(`manifests/${manifests[0]!.digest}`);
      assert.equal(sha(art.body), manifests[0]!.digest);
      const artJson = JSON.parse(art.body.toString());
      assert.equal(artJson.artifactType, BUNDLE_TYPE);
      assert.equal(artJson.subject.digest, sha(subject.body));
      assert.equal(artJson.layers.length, 1);
      assert.equal(artJson.layers[0].mediaType, BUNDLE_TYPE);
      const bundle = await get(`blobs/${artJson.layers[0].digest}`);
      assert.equal(sha(bundle.body), artJson.layers[0].digest);
      assert.equal(JSON.parse(bundle.body.toString()).mediaType, BUNDLE_TYPE);
      const tags = JSON.parse((await get('tags/list')).body.toString()).tags as string[];
      assert.ok(tags.includes(`sha256-${digest.slice(7)}.subject`));
      assert.equal(tags.filter((t) => t.startsWith(`sha256-${digest.slice(7)}.`) && !t.endsWith('.subject')).length, 1, 'one per-artifact tag for the one attestation of this model');
    });

    test('credentials appear in no output and no cached file', { skip: setup.auth ? false : 'no credentials in this setup' }, () => {
      const secrets = [setup.auth!.password, Buffer.from(`${setup.auth!.user}:${setup.auth!.password}`).toString('base64')];
      assert.ok(outputs.length > 20);
      for (const o of outputs) for (const s of secrets) assert.ok(!o.stdout.includes(s) && !o.stderr.includes(s), 'a secret in a command output');
      const cached = files(cache);
      assert.ok(cached.length > 5);
      for (const f of cached) {
        const text = readFileSync(f, 'latin1');
        for (const s of secrets) assert.ok(!text.includes(s), `a secret in ${f}`);
      }
    });
  });
}
