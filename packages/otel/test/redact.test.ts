// Unit tests of the redaction rules (in-process: pure logic of our own).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedactor, REDACTED, redactQueryString } from '../src/redact.ts';

describe('createRedactor', () => {
  const redactor = createRedactor();

  it('matches sensitive keys by normalised suffix', () => {
    for (const key of [
      'Authorization',
      'cookie',
      'Set-Cookie',
      'password',
      'db_password',
      'X-Api-Key',
      'api_key',
      'accessToken',
      'client_secret',
      'http.request.header.authorization',
      'proxy-authorization',
    ]) {
      assert.equal(redactor.isSensitiveKey(key), true, key);
    }
    for (const key of ['token_count', 'user_id', 'secretary', 'message', 'http.route', 'tokens']) {
      assert.equal(redactor.isSensitiveKey(key), false, key);
    }
  });

  it('redacts nested values without mutating the input', () => {
    const input = { user: 'ann', password: 'p', nested: { api_key: 'k', list: [{ token: 't', ok: 1 }] } };
    const output = redactor.redact(input);
    assert.deepEqual(output, {
      user: 'ann',
      password: REDACTED,
      nested: { api_key: REDACTED, list: [{ token: REDACTED, ok: 1 }] },
    });
    assert.equal(input.password, 'p', 'input untouched');
    assert.equal(input.nested.list[0]!.token, 't');
  });

  it('survives cycles', () => {
    const cyclic: Record<string, unknown> = { secret: 's' };
    cyclic.self = cyclic;
    const output = redactor.redact(cyclic);
    assert.equal(output.secret, REDACTED);
  });

  it('takes extra keys, or replaces the defaults', () => {
    const extra = createRedactor({ keys: ['ssn'] });
    assert.equal(extra.isSensitiveKey('customer_ssn'), true);
    assert.equal(extra.isSensitiveKey('password'), true);
    const only = createRedactor({ keys: ['ssn'], replaceDefaults: true });
    assert.equal(only.isSensitiveKey('password'), false);
  });

  it('redacts headers and query parameters', () => {
    assert.deepEqual(redactor.redactHeaders({ authorization: 'Bearer x', accept: '*/*' }), {
      authorization: REDACTED,
      accept: '*/*',
    });
    assert.equal(
      redactQueryString('https://h/p?page=2&access_token=abc&x=1#frag', redactor),
      `https://h/p?page=2&access_token=${REDACTED}&x=1#frag`,
    );
    assert.equal(redactQueryString('/no-query', redactor), '/no-query');
  });
});
