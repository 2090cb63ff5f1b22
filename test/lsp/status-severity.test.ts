/**
 * The language status item's severity (client/status-severity.ts), the icon and colour a person
 * reads before the words. Issue 9: with no trust configured at all and the files matching, the
 * state is information ("files match, signature not checked"), never a warning or an error; with
 * other trust configured, a signer not covered is an error whatever its kind (finding 10); a
 * changed file is an error, trust configured or not. The e2e walks read the same severity off the real
 * status bar (test/e2e/lib/walks.mjs).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { statusSeverity } from '../../client/status-severity';

describe('language status severity', () => {
  test('no trusted signer configured at all, files match: information (the signature is simply not checked)', () => {
    assert.equal(statusSeverity({ modelState: 'not-configured', nothingConfigured: true }), 'information');
    assert.equal(statusSeverity({ attestationState: 'not-configured', nothingConfigured: true }), 'information');
  });

  test('other trust configured but none for this kind: an error, like an untrusted signer of any kind (one severity for "signer not trusted")', () => {
    assert.equal(statusSeverity({ modelState: 'not-configured' }), 'error');
    assert.equal(statusSeverity({ attestationState: 'not-configured' }), 'error');
    assert.equal(statusSeverity({ modelState: 'not-configured', nothingConfigured: false }), statusSeverity({ modelState: 'untrusted' }));
  });

  test('a changed file is an error, with or without trust configured (the model state is "modified" then)', () => {
    assert.equal(statusSeverity({ modelState: 'modified' }), 'error');
  });

  test('verified is information; an untrusted, invalid, flagged or failing signature is an error', () => {
    assert.equal(statusSeverity({ modelState: 'verified' }), 'information');
    for (const state of ['untrusted', 'invalid', 'flagged', 'error']) {
      assert.equal(statusSeverity({ modelState: state }), 'error', state);
      assert.equal(statusSeverity({ attestationState: state }), 'error', state);
    }
  });

  test('an error diagnostic or a policy that does not load wins over a verified signature', () => {
    assert.equal(statusSeverity({ modelState: 'verified', worstIsError: true }), 'error');
    assert.equal(statusSeverity({ attestationState: 'verified', policyProblem: true }), 'error');
  });

  test('something to fix in the setup is a warning: too large to verify automatically, a misplaced trust setting', () => {
    assert.equal(statusSeverity({ modelState: 'too-large' }), 'warning');
    assert.equal(statusSeverity({ modelState: 'verified', trustProblems: 1 }), 'warning');
    assert.equal(statusSeverity({ trustProblems: 1 }), 'warning');
    assert.equal(statusSeverity({ modelState: 'modified', trustProblems: 1 }), 'error');
  });

  test('not a signature and nothing wrong: information', () => {
    assert.equal(statusSeverity({}), 'information');
    assert.equal(statusSeverity({ trustProblems: 0 }), 'information');
  });
});
