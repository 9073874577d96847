using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;

namespace OncRpc.Compiler.Lexing;

/// <summary>
/// Evaluates a macro-expanded <c>#if</c> expression with C's operators and precedence, in 64-bit
/// signed arithmetic (wrapping, as cpp's intmax_t would). Names left after expansion are 0, as in cpp.
/// </summary>
internal sealed class ConditionEvaluator
{
    private const int MaxDepth = 200;
    private readonly List<Token> _tokens;
    private int _position;
    private int _depth;
    private string? _error;
    private SourceLocation _errorAt;

    private readonly System.Func<Token, long?>? _resolveName;

    /// <summary><paramref name="resolveName"/> gives names a value (the binder evaluating a
    /// <c>%#define</c>); without it names are 0, as in cpp.</summary>
    public ConditionEvaluator(List<Token> tokens, System.Func<Token, long?>? resolveName = null)
    {
        _tokens = tokens;
        _resolveName = resolveName;
    }

    public bool TryEvaluate(out long value, out string error, out SourceLocation errorAt)
    {
        value = 0;
        if (_tokens.Count == 0)
        {
            Fail("empty expression", SourceLocation.None);
        }
        else
        {
            value = Conditional();
            if (_error is null && _position < _tokens.Count)
            {
                Fail("unexpected " + _tokens[_position].Describe(), _tokens[_position].Location);
            }
        }
        error = _error ?? string.Empty;
        errorAt = _errorAt;
        return _error is null;
    }

    private void Fail(string message, SourceLocation at)
    {
        if (_error is null)
        {
            _error = message;
            _errorAt = at;
        }
        _position = _tokens.Count; // stop consuming: guarantees termination
    }

    private TokenKind Peek => _position < _tokens.Count ? _tokens[_position].Kind : TokenKind.EndOfFile;

    private long Conditional()
    {
        if (_depth > MaxDepth)
        {
            Fail("expression nests too deeply", _position < _tokens.Count ? _tokens[_position].Location : SourceLocation.None);
            return 0;
        }
        long condition = Binary(0);
        if (Peek != TokenKind.Question)
        {
            return condition;
        }
        _position++;
        _depth++;
        long whenTrue = Conditional();
        if (Peek != TokenKind.Colon)
        {
            Fail("expected ':'", _position < _tokens.Count ? _tokens[_position].Location : SourceLocation.None);
            return 0;
        }
        _position++;
        long whenFalse = Conditional();
        _depth--;
        return condition != 0 ? whenTrue : whenFalse;
    }

    private static int Precedence(TokenKind kind) => kind switch
    {
        TokenKind.PipePipe => 1,
        TokenKind.AmpAmp => 2,
        TokenKind.Pipe => 3,
        TokenKind.Caret => 4,
        TokenKind.Ampersand => 5,
        TokenKind.EqualsEquals or TokenKind.BangEquals => 6,
        TokenKind.Less or TokenKind.Greater or TokenKind.LessEquals or TokenKind.GreaterEquals => 7,
        TokenKind.LessLess or TokenKind.GreaterGreater => 8,
        TokenKind.Plus or TokenKind.Minus => 9,
        TokenKind.Star or TokenKind.Slash or TokenKind.Percent => 10,
        _ => -1,
    };

    private long Binary(int minimum)
    {
        long left = Unary();
        while (_error is null)
        {
            TokenKind op = Peek;
            int precedence = Precedence(op);
            if (precedence < 0 || precedence < minimum)
            {
                return left;
            }
            Token opToken = _tokens[_position];
            _position++;
            long right = Binary(precedence + 1);
            left = Apply(op, left, right, opToken.Location);
        }
        return left;
    }

    private long Apply(TokenKind op, long l, long r, SourceLocation at)
    {
        unchecked
        {
            switch (op)
            {
                case TokenKind.PipePipe: return l != 0 || r != 0 ? 1 : 0;
                case TokenKind.AmpAmp: return l != 0 && r != 0 ? 1 : 0;
                case TokenKind.Pipe: return l | r;
                case TokenKind.Caret: return l ^ r;
                case TokenKind.Ampersand: return l & r;
                case TokenKind.EqualsEquals: return l == r ? 1 : 0;
                case TokenKind.BangEquals: return l != r ? 1 : 0;
                case TokenKind.Less: return l < r ? 1 : 0;
                case TokenKind.Greater: return l > r ? 1 : 0;
                case TokenKind.LessEquals: return l <= r ? 1 : 0;
                case TokenKind.GreaterEquals: return l >= r ? 1 : 0;
                case TokenKind.LessLess: return l << (int)(r & 63);
                case TokenKind.GreaterGreater: return l >> (int)(r & 63);
                case TokenKind.Plus: return l + r;
                case TokenKind.Minus: return l - r;
                case TokenKind.Star: return l * r;
                case TokenKind.Slash:
                case TokenKind.Percent:
                    if (r == 0)
                    {
                        Fail("division by zero", at);
                        return 0;
                    }
                    if (l == long.MinValue && r == -1)
                    {
                        return op == TokenKind.Slash ? l : 0;
                    }
                    return op == TokenKind.Slash ? l / r : l % r;
                default: return 0;
            }
        }
    }

    private long Unary()
    {
        if (_position >= _tokens.Count)
        {
            Fail("expression ends too early", _tokens.Count > 0 ? _tokens[_tokens.Count - 1].Location : SourceLocation.None);
            return 0;
        }
        if (++_depth > MaxDepth)
        {
            Fail("expression nests too deeply", _tokens[_position].Location);
            return 0;
        }
        try
        {
            Token token = _tokens[_position++];
            switch (token.Kind)
            {
                case TokenKind.Number: return unchecked((long)token.Number);
                case TokenKind.Identifier:
                    if (_resolveName is null)
                    {
                        return 0;
                    }
                    long? resolved = _resolveName(token);
                    if (resolved is null)
                    {
                        Fail("'" + token.Text + "' has no integer value", token.Location);
                        return 0;
                    }
                    return resolved.Value;
                case TokenKind.Minus: return unchecked(-Unary());
                case TokenKind.Plus: return Unary();
                case TokenKind.Bang: return Unary() == 0 ? 1 : 0;
                case TokenKind.Tilde: return ~Unary();
                case TokenKind.LeftParen:
                {
                    long value = Conditional();
                    if (Peek != TokenKind.RightParen)
                    {
                        Fail("expected ')'", _position < _tokens.Count ? _tokens[_position].Location : token.Location);
                        return 0;
                    }
                    _position++;
                    return value;
                }
                default:
                    Fail("unexpected " + token.Describe(), token.Location);
                    return 0;
            }
        }
        finally
        {
            _depth--;
        }
    }
}
