namespace OncRpc.Compiler.Lexing;

/// <summary>Token kinds of the RPC language (RFC 4506 §6, RFC 5531 §12) plus the operators
/// that only #if expressions use.</summary>
public enum TokenKind
{
    EndOfFile,
    Identifier,
    Number,
    String,
    LeftBrace,
    RightBrace,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Less,
    Greater,
    Semicolon,
    Comma,
    Colon,
    Equals,
    Star,
    Minus,

    // #if expression operators.
    Plus,
    Slash,
    Percent,
    Bang,
    Tilde,
    Ampersand,
    Pipe,
    Caret,
    AmpAmp,
    PipePipe,
    EqualsEquals,
    BangEquals,
    LessEquals,
    GreaterEquals,
    LessLess,
    GreaterGreater,
    Question,
    Hash,
}
