/**
 * Which trust settings count in the editor (core/editor/trust-settings.ts, fed by the client from
 * WorkspaceConfiguration.inspect()) and the words of "Trust this signer…" (client/trust-wording.ts).
 * Issue 9, newcomer findings 1, 6 and 10.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { mergeIgnorePaths, mergeTrustLists, normaliseIgnored, readIgnorePaths, restrictedIgnorePathsNote, restrictedNote } from '../../core/editor/trust-settings';
import { categoryOf, normaliseSettings } from '../../server/settings';
import { pickTitle, trustedToast, trustTitle } from '../../client/trust-wording';
import { REPO } from '../helpers/fixtures';

const identity = { identity: 'ws@example.com', issuer: 'https://issuer.example.com' };

describe('trust lists: the union of user and (trusted) workspace settings', () => {
  test('a trusted workspace ADDS its key, CA and identity to the user\'s key, never replaces it (finding 1)', () => {
    const m = mergeTrustLists(
      {
        trustedKeys: { globalValue: ['/home/me/prod.pub.pem'], workspaceValue: ['keys/repo.pub.pem'], workspaceFolderValues: [['keys/repo.pub.pem']] },
        certificateAnchors: { workspaceValue: ['pki/ca.pem'] },
        trustedIdentities: { workspaceValue: [identity] },
      },
      true,
    );
    assert.deepEqual(m.values, { trustedKeys: ['/home/me/prod.pub.pem', 'keys/repo.pub.pem'], certificateAnchors: ['pki/ca.pem'], trustedIdentities: [identity] });
    assert.equal(m.trustSource, 'user settings (1 entry) and workspace settings (3 entries), added together (trusted workspace)');
    assert.deepEqual(m.ignored, {});
  });

  test('Restricted Mode: only the user\'s values count; what the workspace named is counted as ignored, once per distinct entry', () => {
    const m = mergeTrustLists(
      {
        trustedKeys: { globalValue: ['/home/me/prod.pub.pem'], workspaceValue: ['keys/repo.pub.pem'], workspaceFolderValues: [['keys/repo.pub.pem']] },
        certificateAnchors: { workspaceValue: ['pki/ca.pem'] },
        trustedIdentities: { workspaceFolderValues: [[identity, { identity: 'b@x', issuer: 'https://i' }]] },
      },
      false,
    );
    assert.deepEqual(m.values, { trustedKeys: ['/home/me/prod.pub.pem'], certificateAnchors: [], trustedIdentities: [] });
    assert.deepEqual(m.ignored, { trustedKeys: 1, certificateAnchors: 1, trustedIdentities: 2 });
    assert.equal(m.trustSource, "user settings only (1 entry); Restricted Mode: the workspace's own trust settings are ignored (4 entries)");
  });

  test('nothing anywhere: empty lists and the counts say so; duplicates between user and workspace count once', () => {
    assert.equal(mergeTrustLists({}, true).trustSource, 'user settings (0 entries) and workspace settings (0 entries), added together (trusted workspace)');
    assert.equal(mergeTrustLists({}, false).trustSource, "user settings only (0 entries); Restricted Mode: the workspace's own trust settings are ignored");
    const dup = mergeTrustLists({ trustedKeys: { globalValue: ['a.pem'], workspaceValue: ['a.pem', 'b.pem'] } }, true);
    assert.deepEqual(dup.values.trustedKeys, ['a.pem', 'b.pem']);
    assert.equal(dup.trustSource, 'user settings (1 entry) and workspace settings (1 entry), added together (trusted workspace)');
  });

  test('the Restricted Mode note names only what could have judged this kind of signature (finding 10)', () => {
    assert.equal(restrictedNote('key', { trustedKeys: 2 }), "the workspace's own trust settings are ignored in Restricted Mode (it names 2 trusted key entries)");
    assert.equal(restrictedNote('certificate', { certificateAnchors: 1, trustedKeys: 1 }), "the workspace's own trust settings are ignored in Restricted Mode (it names 1 certificate anchor and 1 trusted key entry)");
    assert.equal(restrictedNote('sigstore', { trustedKeys: 1 }), undefined);
    assert.equal(restrictedNote('key', undefined), undefined);
    assert.deepEqual(normaliseIgnored({ trustedKeys: 1, certificateAnchors: -1, trustedIdentities: 'x', other: 3 }), { trustedKeys: 1 });
  });
});

describe('modelProvenance.ignorePaths: restricted like the trust lists, checked by the server', () => {
  test('the union: user paths always, the workspace\'s and each folder\'s only in a trusted workspace, as written (never resolved against a folder)', () => {
    const inspected = { globalValue: ['ignore-me'], workspaceValue: ['cache/', 'ignore-me'], workspaceFolderValues: [['cache/'], ['sub/notes.txt']] };
    assert.deepEqual(mergeIgnorePaths(inspected, true), { value: ['ignore-me', 'cache/', 'sub/notes.txt'], ignored: 0 });
    assert.deepEqual(mergeIgnorePaths(inspected, false), { value: ['ignore-me'], ignored: 3 });
    assert.deepEqual(mergeIgnorePaths({ workspaceValue: ['x'] }, false), { value: [], ignored: 1 });
    assert.deepEqual(mergeIgnorePaths({}, true), { value: [], ignored: 0 });
    // The trust lists' own counts and source line are unchanged by it.
    assert.deepEqual(mergeTrustLists({}, false).ignored, {});
  });

  test('a value that counts and is not a list of paths is passed on as it is, so the server names it; one Restricted Mode ignores is not', () => {
    assert.deepEqual(mergeIgnorePaths({ globalValue: 'ignore-me', workspaceValue: ['x'] }, true), { value: 'ignore-me', ignored: 0 });
    assert.deepEqual(mergeIgnorePaths({ globalValue: ['a'], workspaceFolderValues: [['b', 3]] }, true), { value: ['b', 3], ignored: 0 });
    assert.deepEqual(mergeIgnorePaths({ globalValue: ['a'], workspaceValue: 'b' }, false), { value: ['a'], ignored: 0 });
  });

  test('readIgnorePaths: a list of paths, nothing, or a problem naming the setting (and nothing applied)', () => {
    assert.deepEqual(readIgnorePaths(['ignore-me', 'cache/', 'ignore-me']), { paths: ['ignore-me', 'cache/'] });
    assert.deepEqual(readIgnorePaths(undefined), { paths: [] });
    assert.deepEqual(readIgnorePaths(null), { paths: [] });
    const bad = (v: unknown): string | undefined => {
      const r = readIgnorePaths(v);
      assert.deepEqual(r.paths, []);
      return r.problem;
    };
    const tail = ': none of it is applied, so no file is left out [SETTING_INVALID]';
    const head = 'modelProvenance.ignorePaths must be a list of paths (strings, relative to the model folder or absolute), but it is ';
    assert.equal(bad('ignore-me'), `${head}a string ("ignore-me"), not a list${tail}`);
    assert.equal(bad(['ok', 3]), `${head}a list whose entry 2 is a number${tail}`);
    assert.equal(bad(['ok', ' ']), `${head}a list whose entry 2 is an empty path${tail}`);
    assert.equal(bad([null]), `${head}a list whose entry 1 is null${tail}`);
    assert.equal(bad({ path: 'x' }), `${head}an object${tail}`);
    assert.equal(bad(true), `${head}a boolean${tail}`);
  });

  test('the server\'s settings: the paths, or the problem in settings.problems (a warning on every signature and in the status)', () => {
    assert.deepEqual(normaliseSettings({ ignorePaths: ['ignore-me'] }).ignorePaths, ['ignore-me']);
    assert.deepEqual(normaliseSettings({}).problems, []);
    const s = normaliseSettings({ ignorePaths: 42 });
    assert.deepEqual(s.ignorePaths, []);
    assert.equal(s.problems.length, 1);
    assert.match(s.problems[0]!, /^modelProvenance\.ignorePaths must be a list of paths .* it is a number: .*\[SETTING_INVALID\]$/);
    assert.equal(categoryOf('SETTING_INVALID'), 'signature');
  });

  test('package.json declares it, an array of strings, among the restricted configurations', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
      contributes: { configuration: { properties: Record<string, { type?: string; items?: { type?: string } }> } };
    };
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('modelProvenance.ignorePaths'));
    const setting = pkg.contributes.configuration.properties['modelProvenance.ignorePaths'];
    assert.equal(setting?.type, 'array');
    assert.equal(setting?.items?.type, 'string');
  });

  test('Restricted Mode\'s ignored paths reach the server as a count, and are said beside an unexpected file', () => {
    assert.deepEqual(normaliseIgnored({ trustedKeys: 1, ignorePaths: 2 }), { trustedKeys: 1, ignorePaths: 2 });
    assert.equal(restrictedIgnorePathsNote({ ignorePaths: 1 }), "the workspace's own modelProvenance.ignorePaths is ignored in Restricted Mode (it names 1 path)");
    assert.equal(restrictedIgnorePathsNote({ ignorePaths: 2 }), "the workspace's own modelProvenance.ignorePaths is ignored in Restricted Mode (it names 2 paths)");
    assert.equal(restrictedIgnorePathsNote({ trustedKeys: 1 }), undefined);
    // It never turns into a note about signers.
    assert.equal(restrictedNote('key', { ignorePaths: 3 }), undefined);
  });
});

describe('"Trust this signer…" names what is trusted (finding 6)', () => {
  const signer = 'certificate CN=intermediate-ca issued by CN=intermediate-ca';
  test('a certificate signature: the title and the toast name the certificate authority that issued the signer', () => {
    const anchor = { kind: 'anchor' as const, file: '/ws/ca.pem', subject: 'CN=root-ca', inWorkspace: true };
    assert.equal(trustTitle(anchor, signer), `Trust certificate authority CN=root-ca (issued the signer, ${signer})?`);
    assert.equal(trustedToast(anchor, signer, 'certificateAnchors'), `Trusted certificate authority CN=root-ca (user settings, modelProvenance.certificateAnchors; it issued ${signer}). Models it signed are checked again now.`);
    assert.equal(pickTitle(anchor, signer), `Trust the certificate authority that issued ${signer}: which one?`);
  });

  test('a key and a keyless identity: the title is the key or the identity itself', () => {
    const key = { kind: 'key' as const, file: '/ws/prod.pub.pem', keyId: '91aaa9a2'.padEnd(64, '0'), inWorkspace: true };
    assert.equal(trustTitle(key, 'key 91aaa9a2…'), 'Trust key 91aaa9a2…?');
    assert.equal(trustedToast(key, 'key 91aaa9a2…', 'trustedKeys'), 'Trusted key 91aaa9a2… (user settings, modelProvenance.trustedKeys). Models it signed are checked again now.');
    const id = { kind: 'identity' as const, identity: 'you@example.com', issuer: 'https://accounts.example.com' };
    assert.equal(trustTitle(id, 'keyless identity you@example.com via https://accounts.example.com'), 'Trust keyless identity you@example.com via https://accounts.example.com?');
  });
});
