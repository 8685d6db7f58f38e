/**
 * The sandbox's expression language: numbers, + - * / % ^, parentheses, unary minus and a few pure
 * functions. A tokenizer and a recursive-descent parser with hard limits on length, tokens and
 * nesting; there is no eval, no variables, no I/O, so no input can run code or loop.
 */

export const EXPRESSION_LIMITS = Object.freeze({ maxLength: 256, maxTokens: 128, maxDepth: 32 });

export class ExpressionError extends Error {
  readonly code: 'EXPR_SYNTAX' | 'EXPR_LIMIT' | 'EXPR_MATH';
  constructor(code: ExpressionError['code'], message: string) {
    super(message);
    this.name = 'ExpressionError';
    this.code = code;
  }
}

type Token = { kind: 'num'; value: number } | { kind: 'op'; value: string } | { kind: 'name'; value: string };

// A Map, not an object literal: `constructor` or `__proto__` must not resolve through the prototype.
const FUNCTIONS: ReadonlyMap<string, (...args: number[]) => number> = new Map([
  ['abs', Math.abs],
  ['sqrt', Math.sqrt],
  ['round', Math.round],
  ['floor', Math.floor],
  ['ceil', Math.ceil],
  ['min', Math.min],
  ['max', Math.max],
]);

function tokenize(source: string): Token[] {
  if (source.length > EXPRESSION_LIMITS.maxLength) {
    throw new ExpressionError(
      'EXPR_LIMIT',
      `expression longer than ${EXPRESSION_LIMITS.maxLength} characters`,
    );
  }
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([a-z]+)|([-+*/%^(),]))/iy;
  let index = 0;
  while (index < source.length) {
    if (/^\s*$/.test(source.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(source);
    if (match === null)
      throw new ExpressionError(
        'EXPR_SYNTAX',
        `unexpected character at ${index}: ${source.slice(index, index + 8)}`,
      );
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'num', value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: 'name', value: match[2].toLowerCase() });
    else tokens.push({ kind: 'op', value: match[3] ?? '' });
    if (tokens.length > EXPRESSION_LIMITS.maxTokens) {
      throw new ExpressionError('EXPR_LIMIT', `more than ${EXPRESSION_LIMITS.maxTokens} tokens`);
    }
  }
  return tokens;
}

/** Evaluates an expression such as `2 * (3 + 4) ^ 2 / max(1, 7)`. Throws ExpressionError. */
export function evaluateExpression(source: string): number {
  const tokens = tokenize(source);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const isOp = (value: string): boolean => {
    const token = peek();
    return token?.kind === 'op' && token.value === value;
  };
  const expect = (value: string): void => {
    if (!isOp(value))
      throw new ExpressionError('EXPR_SYNTAX', `expected "${value}" at token ${position + 1}`);
    position += 1;
  };
  const guard = (depth: number): void => {
    if (depth > EXPRESSION_LIMITS.maxDepth)
      throw new ExpressionError('EXPR_LIMIT', `nesting deeper than ${EXPRESSION_LIMITS.maxDepth}`);
  };

  // expression := term (('+' | '-') term)*
  const expression = (depth: number): number => {
    guard(depth);
    let value = term(depth + 1);
    while (isOp('+') || isOp('-')) {
      const op = (tokens[position++] as { value: string }).value;
      const right = term(depth + 1);
      value = op === '+' ? value + right : value - right;
    }
    return value;
  };
  // term := power (('*' | '/' | '%') power)*
  const term = (depth: number): number => {
    let value = power(depth + 1);
    while (isOp('*') || isOp('/') || isOp('%')) {
      const op = (tokens[position++] as { value: string }).value;
      const right = power(depth + 1);
      if ((op === '/' || op === '%') && right === 0)
        throw new ExpressionError('EXPR_MATH', 'division by zero');
      value = op === '*' ? value * right : op === '/' ? value / right : value % right;
    }
    return value;
  };
  // power := unary ('^' power)?   (right associative)
  const power = (depth: number): number => {
    guard(depth);
    const base = unary(depth + 1);
    if (!isOp('^')) return base;
    position += 1;
    return base ** power(depth + 1);
  };
  // unary := '-' unary | primary
  const unary = (depth: number): number => {
    guard(depth);
    if (isOp('-')) {
      position += 1;
      return -unary(depth + 1);
    }
    return primary(depth + 1);
  };
  // primary := number | name '(' args ')' | '(' expression ')'
  const primary = (depth: number): number => {
    guard(depth);
    const token = peek();
    if (token === undefined) throw new ExpressionError('EXPR_SYNTAX', 'unexpected end of expression');
    if (token.kind === 'num') {
      position += 1;
      return token.value;
    }
    if (token.kind === 'name') {
      const fn = FUNCTIONS.get(token.value);
      if (fn === undefined) throw new ExpressionError('EXPR_SYNTAX', `unknown function "${token.value}"`);
      position += 1;
      expect('(');
      const args = [expression(depth + 1)];
      while (isOp(',')) {
        position += 1;
        args.push(expression(depth + 1));
      }
      expect(')');
      return fn(...args);
    }
    if (isOp('(')) {
      position += 1;
      const value = expression(depth + 1);
      expect(')');
      return value;
    }
    throw new ExpressionError('EXPR_SYNTAX', `unexpected "${token.value}" at token ${position + 1}`);
  };

  const value = expression(0);
  if (position < tokens.length)
    throw new ExpressionError('EXPR_SYNTAX', `unexpected token at ${position + 1}`);
  if (!Number.isFinite(value)) throw new ExpressionError('EXPR_MATH', 'result is not a finite number');
  return value;
}
