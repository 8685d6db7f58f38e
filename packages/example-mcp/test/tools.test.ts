import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXPRESSION_LIMITS, ExpressionError, evaluateExpression } from '../src/tools/expression.ts';
import { formatTime } from '../src/tools/time.ts';
import { parseMix } from '../src/traffic.ts';

describe('sandbox expression language', () => {
  it('evaluates arithmetic with precedence, right-associative powers and functions', () => {
    assert.equal(evaluateExpression('1 + 2 * 3'), 7);
    assert.equal(evaluateExpression('(1 + 2) * 3'), 9);
    assert.equal(evaluateExpression('2 ^ 3 ^ 2'), 512);
    assert.equal(evaluateExpression('-2 ^ 2'), 4);
    assert.equal(evaluateExpression('7 % 4 - 10 / 4'), 0.5);
    assert.equal(evaluateExpression('max(1, sqrt(16), abs(-3))'), 4);
    assert.equal(evaluateExpression('1.5e2'), 150);
  });

  it('rejects what it does not understand with a coded error', () => {
    const cases: [string, ExpressionError['code'], RegExp][] = [
      ['1 / 0', 'EXPR_MATH', /division by zero/],
      ['5 % 0', 'EXPR_MATH', /division by zero/],
      ['10 ^ 400', 'EXPR_MATH', /not a finite number/],
      ['1 +', 'EXPR_SYNTAX', /unexpected end/],
      ['process.exit(1)', 'EXPR_SYNTAX', /unknown function|unexpected character/],
      ['constructor("x")', 'EXPR_SYNTAX', /unexpected character/],
      ['constructor(1)', 'EXPR_SYNTAX', /unknown function "constructor"/],
      ['2 3', 'EXPR_SYNTAX', /unexpected token/],
      ['x'.repeat(EXPRESSION_LIMITS.maxLength + 1), 'EXPR_LIMIT', /longer than/],
      [Array.from({ length: 70 }, () => '1').join('+'), 'EXPR_LIMIT', /tokens/],
      [`${'('.repeat(40)}1${')'.repeat(40)}`, 'EXPR_LIMIT', /nesting/],
    ];
    for (const [source, code, message] of cases) {
      assert.throws(
        () => evaluateExpression(source),
        (error: unknown) =>
          error instanceof ExpressionError && error.code === code && message.test(error.message),
        source.slice(0, 40),
      );
    }
  });
});

describe('time.now formatting', () => {
  const instant = new Date('2026-03-01T12:34:56Z');
  it('formats in a zone', () => {
    assert.equal(formatTime(instant, 'UTC', 'iso'), '2026-03-01T12:34:56+00:00');
    assert.equal(formatTime(instant, 'Asia/Tokyo', 'iso'), '2026-03-01T21:34:56+09:00');
    assert.equal(formatTime(instant, 'UTC', 'unix'), String(Date.parse('2026-03-01T12:34:56Z') / 1000));
    assert.equal(formatTime(instant, 'Europe/Paris', 'rfc2822'), 'Sun, 01 Mar 2026 13:34:56 +0100');
    assert.match(formatTime(instant, 'UTC', 'human') ?? '', /Sunday, March 1, 2026/);
  });
  it('returns undefined for an unknown zone', () => {
    assert.equal(formatTime(instant, 'Mars/Base', 'iso'), undefined);
  });
});

describe('traffic mix', () => {
  it('parses weights and names the unknown scenario', () => {
    assert.deepEqual(parseMix('time.now=3, sandbox.exec=1'), { 'time.now': 3, 'sandbox.exec': 1 });
    assert.throws(() => parseMix('rm.rf=1'), /unknown scenario "rm.rf"/);
    assert.throws(() => parseMix('constructor=1'), /unknown scenario "constructor"/);
    assert.throws(() => parseMix('time.now=-1'), /must be a number ≥ 0/);
  });
});
