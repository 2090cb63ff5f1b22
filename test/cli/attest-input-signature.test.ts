/**
 * attest --base-model PATH (and every path input): the digest recorded is of the files on disk,
 * and when the input's own signature names another digest (it left files out, or the files
 * changed), the person hears it with the signed digest: a chain joins an input only on that.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers/fixtures';

async function signedBase(ignoreLogs: boolean): Promise<{ dir: string; whole: string; signed: string }> {
  const dir = tempDir();
  mkdirSync(join(dir, 'base', 'logs'), { recursive: true });
  writeFileSync(join(dir, 'base', 'weights.bin'), 'the base weights');
  writeFileSync(join(dir, 'base', 'config.json'), '{"layers":2}');
  writeFileSync(join(dir, 'base', 'logs', 'run.txt'), 'step 1 loss 3.2\n');
  assert.equal((await runCli(['keygen', '--out', 'k'], { cwd: dir })).code, 0);
  const scope = ignoreLogs ? ['--ignore-paths', 'base/logs'] : [];
  const sign = await runCli(['sign', 'key', 'base', '--private-key', 'k.pem', ...scope], { cwd: dir });
  assert.equal(sign.code, 0, sign.stderr);
  const whole = (await runCli(['hash', 'base'], { cwd: dir })).stdout.split(' ')[0]!;
  const signed = (await runCli(['hash', 'base', ...scope], { cwd: dir })).stdout.split(' ')[0]!;
  return { dir, whole, signed };
}

const attestFt = (dir: string, base: string, format = 'json') =>
  runCli(['attest', '--stage', 'fine-tuning', '--subject-digest', `sha256:${'ab'.repeat(32)}`, '--subject-name', 'ft', '--base-model', base, '--private-key', 'k.pem', '--no-store', '--format', format], { cwd: dir });

test('a base model signed with --ignore-paths, given as a path: recorded as its files, with a warning naming the signed digest; given as that digest, no warning', async () => {
  const { dir, whole, signed } = await signedBase(true);
  assert.notEqual(whole, signed);
  const r = await attestFt(dir, 'base');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^model-provenance: warning: base model base: recorded as ${whole}, its files on disk; its signature base/model\\.sig names ${signed}, which leaves out logs/run\\.txt \\(its ignore paths\\).*give its digest \\(${signed}\\) instead of the path \\[INPUT_NOT_AS_SIGNED\\]\\n$`));
  const out = JSON.parse(r.stdout);
  assert.equal(out.inputWarnings.length, 1);
  assert.deepEqual({ code: out.inputWarnings[0].code, role: out.inputWarnings[0].role, digest: out.inputWarnings[0].digest, signedDigest: out.inputWarnings[0].signedDigest }, { code: 'INPUT_NOT_AS_SIGNED', role: 'base-model', digest: whole, signedDigest: signed });
  // The record itself is unchanged: the signature was not verified, so it cannot choose what is hashed.
  const dep = out.statement.predicate.buildDefinition.resolvedDependencies[0];
  assert.equal(`sha256:${dep.digest.sha256}`, whole);

  const byDigest = await attestFt(dir, `base=${signed}`);
  assert.equal(byDigest.code, 0, byDigest.stderr);
  assert.equal(byDigest.stderr, '');
  assert.deepEqual(JSON.parse(byDigest.stdout).inputWarnings, []);
});

test('a base model signed whole: no warning; a file added: the signature does not list it; a file changed: INPUT_FILES_DIFFER names it', async () => {
  const { dir, whole, signed } = await signedBase(false);
  assert.equal(whole, signed);
  const clean = await attestFt(dir, 'base', 'text');
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(clean.stderr, '');
  // Our signature records its ignore list: a file neither listed nor ignored was added since.
  writeFileSync(join(dir, 'base', 'extra.bin'), 'x');
  const added = await attestFt(dir, 'base', 'text');
  assert.match(added.stderr, /^model-provenance: warning: base model base: its files differ from what its signature base\/model\.sig lists \(1 added since, not signed \(extra\.bin\)\);.* \[INPUT_FILES_DIFFER\]\n$/);
  rmSync(join(dir, 'base', 'extra.bin'));
  writeFileSync(join(dir, 'base', 'weights.bin'), 'the base weights, changed');
  const changed = await attestFt(dir, 'base', 'text');
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stderr, /^model-provenance: warning: base model base: its files differ from what its signature base\/model\.sig lists \(1 modified \(weights\.bin\)\); the digest recorded \(sha256:[0-9a-f]{64}\) is of the files on disk: verify the base model before building on it \[INPUT_FILES_DIFFER\]\n$/);
});

test('a dataset whose signature beside it cannot be read: said, and the digest recorded is of the files', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'sft'));
  writeFileSync(join(dir, 'sft', 'part-0.jsonl'), '{"q":"a"}\n');
  writeFileSync(join(dir, 'sft', 'model.sig'), 'not a bundle');
  assert.equal((await runCli(['keygen', '--out', 'k'], { cwd: dir })).code, 0);
  const r = await runCli(['attest', '--stage', 'fine-tuning', '--subject-digest', `sha256:${'ab'.repeat(32)}`, '--dataset', 'sft', '--private-key', 'k.pem', '--no-store', '--format', 'json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^model-provenance: warning: dataset sft: its signature sft\/model\.sig cannot be read \[[A-Z_]+\]; the digest recorded \(sha256:[0-9a-f]{64}\) is of the files on disk, not checked against any signature \[INPUT_SIGNATURE_UNREADABLE\]\n$/);
  assert.equal(JSON.parse(r.stdout).inputWarnings[0].code, 'INPUT_SIGNATURE_UNREADABLE');
  assert.ok(readFileSync(join(dir, 'sft', 'model.sig'), 'utf8') === 'not a bundle', 'nothing written into the input');
});

test('ignored, the warning comes back where the chain breaks: lineage names the signed digest that is attested; the stored attestation is said, with how to remove it', async () => {
  const { dir, signed } = await signedBase(true);
  const reg = ['--registry', 'reg'];
  const pre = await runCli(['attest', 'base', '--stage', 'pre-training', '--ignore-paths', 'base/logs', '--private-key', 'k.pem', ...reg], { cwd: dir });
  assert.equal(pre.code, 0, pre.stderr);
  const ft = await runCli(['attest', '--stage', 'fine-tuning', '--subject-digest', `sha256:${'ab'.repeat(32)}`, '--subject-name', 'ft', '--base-model', 'mybase=base', '--private-key', 'k.pem', ...reg, '--format', 'json'], { cwd: dir });
  assert.equal(ft.code, 0, ft.stderr);
  const id = JSON.parse(ft.stdout).id as string;
  const lines = ft.stderr.trim().split('\n');
  assert.equal(lines.length, 2, ft.stderr);
  assert.match(lines[0]!, new RegExp(`^model-provenance: warning: base model "mybase" \\(base\\): .*give its digest \\(mybase=${signed}\\) instead of the path \\[INPUT_NOT_AS_SIGNED\\]$`));
  assert.equal(lines[1], `model-provenance: warning: the attestation is stored (${id}) with the digests of the files on disk; when you attest the stage again with the signed digest, add --replaces ${id} so that this one is removed, or remove it: model-provenance registry rm ${id} --registry reg [INPUT_WARNINGS_STORED]`);
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({ signers: { me: { publicKey: 'k.pub.pem' } }, stages: { 'pre-training': { signers: ['me'] }, 'fine-tuning': { signers: ['me'] } } }));
  const lineage = await runCli(['lineage', `sha256:${'ab'.repeat(32)}`, '--policy', 'policy.json', ...reg, '--format', 'json'], { cwd: dir });
  assert.equal(lineage.code, 1, lineage.stdout + lineage.stderr);
  const missing = (JSON.parse(lineage.stdout).problems as { code: string; message: string; signedDigest?: string }[]).find((p) => p.code === 'MISSING_LINK');
  assert.ok(missing, lineage.stdout);
  assert.equal(missing.signedDigest, signed, 'the signed digest as a field, for tools');
  assert.match(missing.message, new RegExp(`the folder the stage recorded for it \\(.*base\\) holds a signature naming ${signed}, which has a trusted attestation: .*only if it verifies, attest the stage again with ${signed} as its base-model, replacing ${id} \\(attest --replaces\\)$`));
  assert.equal((missing as { recordedBy?: string }).recordedBy, id, 'the attestation to replace, as a field');
  // --no-check-artifacts keeps the walk off this machine's files: no hint read from them.
  const offline = await runCli(['lineage', `sha256:${'ab'.repeat(32)}`, '--policy', 'policy.json', ...reg, '--no-check-artifacts', '--format', 'json'], { cwd: dir });
  const bare = (JSON.parse(offline.stdout).problems as { code: string; message: string; signedDigest?: string }[]).find((p) => p.code === 'MISSING_LINK');
  assert.ok(bare && !bare.message.includes('holds a signature') && bare.signedDigest === undefined, offline.stdout);
  // The report's next step says the same, and following it literally gives a verified chain: no conflicting claim is left.
  const report = await runCli(['lineage', `sha256:${'ab'.repeat(32)}`, '--policy', 'policy.json', ...reg, '--format', 'report'], { cwd: dir });
  assert.match(report.stdout, new RegExp(`Next: .*attest the stage again with ${signed} and --replaces ${id}\\.`));
  const again = await runCli(['attest', '--stage', 'fine-tuning', '--subject-digest', `sha256:${'ab'.repeat(32)}`, '--subject-name', 'ft', '--base-model', `mybase=${signed}`, '--replaces', id, '--private-key', 'k.pem', ...reg], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr, '', 'no warning: nothing conflicts');
  assert.match(again.stdout, new RegExp(`\n  replaced ${id} \\(removed\\)\n`));
  const fixed = await runCli(['lineage', `sha256:${'ab'.repeat(32)}`, '--policy', 'policy.json', ...reg], { cwd: dir });
  assert.equal(fixed.code, 0, fixed.stdout);
  assert.match(fixed.stdout, /^VERIFIED /);
});

test('attest beside a stored attestation of the same model with other inputs: warned (ATTESTATION_CONFLICT, ids and what to remove); --replaces an id that is not this model\'s: refused, nothing stored', async () => {
  const { dir } = await signedBase(true);
  const reg = ['--registry', 'reg'];
  const subject = ['--subject-digest', `sha256:${'cd'.repeat(32)}`, '--subject-name', 'ft'];
  const a = await runCli(['attest', '--stage', 'fine-tuning', ...subject, '--base-model', `one=sha256:${'01'.repeat(32)}`, '--run-id', 'r1', '--private-key', 'k.pem', ...reg, '--format', 'json'], { cwd: dir });
  assert.equal(a.code, 0, a.stderr);
  const first = JSON.parse(a.stdout).id as string;
  const b = await runCli(['attest', '--stage', 'fine-tuning', ...subject, '--base-model', `two=sha256:${'02'.repeat(32)}`, '--private-key', 'k.pem', ...reg, '--format', 'json'], { cwd: dir });
  assert.equal(b.code, 0, b.stderr);
  const out = JSON.parse(b.stdout) as { id: string; conflicts: { id: string; runId?: string }[] };
  assert.deepEqual(out.conflicts.map((c) => [c.id, c.runId]), [[first, 'r1']]);
  const lines = b.stderr.trim().split('\n');
  assert.match(lines[0]!, new RegExp(`^model-provenance: warning: the registry already holds ${first} \\(fine-tuning, run r1, .*\\), which says it produced ft from other inputs: it records base-model "one" sha256:(01){6}… \\(no attestation in this registry\\), where this one records base-model "two" sha256:(02){6}… \\(no attestation in this registry\\) \\[ATTESTATION_CONFLICT\\]$`));
  assert.equal(lines[1], `model-provenance: warning: until the wrong claim is removed, the chain of ft fails with ATTESTATION_CONFLICT: if this attestation corrects that one, run model-provenance registry rm ${first} --registry reg (or attest with --replaces ID next time); if that one is right, model-provenance registry rm ${out.id} --registry reg [ATTESTATION_CONFLICT]`);
  // The same inputs again (a re-run): no warning.
  const c = await runCli(['attest', '--stage', 'fine-tuning', ...subject, '--base-model', `two=sha256:${'02'.repeat(32)}`, '--private-key', 'k.pem', ...reg, '--format', 'json'], { cwd: dir });
  assert.deepEqual(JSON.parse(c.stdout).conflicts.map((x: { id: string }) => x.id), [first]);
  // --replaces: only an attestation of this model; a stray id is refused before anything is signed.
  const before = (await runCli(['registry', 'ls', ...reg], { cwd: dir })).stdout;
  const stray = `sha256:${'ef'.repeat(32)}`;
  const r = await runCli(['attest', '--stage', 'fine-tuning', ...subject, '--base-model', `two=sha256:${'02'.repeat(32)}`, '--replaces', stray, '--private-key', 'k.pem', ...reg], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`^model-provenance: ${stray} is not an attestation of ft \\(sha256:(cd){32}\\) in .*reg: nothing was signed or stored \\[REGISTRY_ENTRY_NOT_FOUND\\]\n$`));
  assert.equal((await runCli(['registry', 'ls', ...reg], { cwd: dir })).stdout, before);
  const noStore = await runCli(['attest', '--stage', 'fine-tuning', ...subject, '--replaces', first, '--no-store', '--private-key', 'k.pem'], { cwd: dir });
  assert.equal(noStore.code, 2);
  assert.match(noStore.stderr, /--replaces/);
});

test('the model attested: forgetting the ignore paths it was signed with is said (SUBJECT_NOT_AS_SIGNED, with the paths); the same paths: nothing; wider ones: said too', async () => {
  const { dir, whole, signed } = await signedBase(true);
  const attest = (...scope: string[]) => runCli(['attest', 'base', '--stage', 'pre-training', '--private-key', 'k.pem', '--no-store', '--format', 'json', ...scope], { cwd: dir });
  const forgot = await attest();
  assert.equal(forgot.code, 0, forgot.stderr);
  assert.equal(forgot.stderr, `model-provenance: warning: model base: recorded as ${whole}, its files on disk; its signature base/model.sig names ${signed}, which leaves out logs/run.txt (its ignore paths), and a chain joins the model only on that digest: attest it with the ignore paths it was signed with (.git, .gitattributes, .github, .gitignore, logs, model.sig) [SUBJECT_NOT_AS_SIGNED]\n`);
  assert.deepEqual(JSON.parse(forgot.stdout).inputWarnings.map((w: { code: string; role: string }) => [w.code, w.role]), [['SUBJECT_NOT_AS_SIGNED', 'model']]);
  const same = await attest('--ignore-paths', 'base/logs');
  assert.equal(same.code, 0, same.stderr);
  assert.equal(same.stderr, '');
  assert.equal(JSON.parse(same.stdout).subject.digest, signed);
  const wider = await attest('--ignore-paths', 'base/logs', '--ignore-paths', 'base/config.json');
  assert.match(wider.stderr, /^model-provenance: warning: model base: attested as sha256:[0-9a-f]{64}, which leaves out config\.json; its signature base\/model\.sig covers them, so the two never join: attest it with the ignore paths it was signed with \(.*logs, model\.sig\) \[SUBJECT_NOT_AS_SIGNED\]\n$/);
});

test('the model itself hashed without the --ignore-paths it was signed and attested with: the gate says its signature names the attested digest, and what to give', async () => {
  const { dir, signed } = await signedBase(true);
  const reg = ['--registry', 'reg'];
  assert.equal((await runCli(['attest', 'base', '--stage', 'pre-training', '--ignore-paths', 'base/logs', '--private-key', 'k.pem', ...reg], { cwd: dir })).code, 0);
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({ signers: { me: { publicKey: 'k.pub.pem' } }, stages: { 'pre-training': { signers: ['me'] } } }));
  // The gate (which hashes the model itself) says the same as lineage, with the field and the next step.
  const gate = await runCli(['verify', 'base', '--policy', 'policy.json', ...reg, '--format', 'json'], { cwd: dir });
  assert.equal(gate.code, 1);
  const gateMissing = (JSON.parse(gate.stdout).problems as { code: string; signedDigest?: string }[]).find((p) => p.code === 'MISSING_LINK');
  assert.equal(gateMissing?.signedDigest, signed, gate.stdout);
  const gateReport = await runCli(['verify', 'base', '--policy', 'policy.json', ...reg, '--format', 'report'], { cwd: dir });
  assert.match(gateReport.stdout, /Next: the model was hashed with other files than it was signed with .*give the --ignore-paths it was signed with\./);
  const bare = await runCli(['lineage', 'base', '--policy', 'policy.json', ...reg, '--format', 'json'], { cwd: dir });
  assert.equal(bare.code, 1, bare.stderr);
  const missing = (JSON.parse(bare.stdout).problems as { code: string; message: string; signedDigest?: string; recordedBy?: string }[]).find((p) => p.code === 'MISSING_LINK');
  assert.ok(missing, bare.stdout);
  assert.equal(missing.signedDigest, signed);
  assert.equal(missing.recordedBy, undefined, 'no stage recorded the model itself');
  assert.match(missing.message, new RegExp(`its signature \\(in base\\) names ${signed}, which has a trusted attestation: the model was hashed here with other files than it was signed with\\. Give the model scope it was signed and attested with \\(--ignore-paths, as on sign\\)$`));
  const scoped = await runCli(['verify', 'base', '--policy', 'policy.json', '--ignore-paths', 'base/logs', ...reg], { cwd: dir });
  assert.equal(scoped.code, 0, scoped.stdout + scoped.stderr);
});
