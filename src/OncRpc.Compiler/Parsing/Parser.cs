using System;
using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Lexing;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler.Parsing;

/// <summary>
/// Recursive-descent parser for the RPC language (RFC 4506 §6.3 plus RFC 5531 §12.2 programs)
/// with rpcgen's extensions: several procedure arguments (-N), <c>unsigned</c> alone, C's
/// <c>char</c>/<c>short</c>/<c>long</c>, <c>struct x</c> as a type, enum values without
/// <c>=</c>, inline anonymous struct/union/enum types. On a syntax error it reports one
/// diagnostic, skips to the end of the definition and carries on, so one typo does not hide
/// the rest of the file; every loop consumes a token, so it always terminates.
/// </summary>
internal sealed partial class Parser
{
    // Inline anonymous types nest by recursion; hostile input must not overflow the stack.
    private const int MaxNesting = 64;

    private readonly List<Token> _tokens;
    private readonly DiagnosticBag _diagnostics;
    private readonly List<DefinitionSyntax> _definitions = new();
    private int _position;
    private int _nesting;

    public Parser(List<Token> tokens, DiagnosticBag diagnostics)
    {
        _tokens = tokens;
        _diagnostics = diagnostics;
    }

    /// <summary>Thrown only inside the parser to unwind to the definition being parsed.</summary>
    private sealed class SyntaxErrorException : Exception
    {
    }

    private Token Current => _tokens[_position];

    private Token PeekAt(int offset) => _tokens[Math.Min(_position + offset, _tokens.Count - 1)];

    private bool IsKeyword(string keyword) => Current.Kind == TokenKind.Identifier && Current.Text == keyword;

    private Token Advance()
    {
        Token token = Current;
        if (_position < _tokens.Count - 1)
        {
            _position++;
        }
        return token;
    }

    private Exception Error(string expected)
    {
        _diagnostics.Report(DiagnosticDescriptors.UnexpectedToken, Current.Location, expected, Current.Describe());
        return new SyntaxErrorException();
    }

    private Token Expect(TokenKind kind, string description)
    {
        if (Current.Kind == kind)
        {
            return Advance();
        }
        if (kind == TokenKind.Semicolon && _position > 0 && _tokens[_position - 1] is { } previous
            && previous.Location.FilePath == Current.Location.FilePath)
        {
            // A missing ';' belongs at the end of what it should follow (as C compilers say it),
            // not at the next token, which is often on another line.
            SourceLocation after = new(previous.Location.FilePath, previous.Location.Line, previous.Location.Column + previous.Location.Length, 1);
            _diagnostics.Report(DiagnosticDescriptors.UnexpectedToken, after, "';' after '" + previous.Text + "'", Current.Describe());
            throw new SyntaxErrorException();
        }
        throw Error(description);
    }

    private void ExpectKeyword(string keyword)
    {
        if (!IsKeyword(keyword))
        {
            throw Error("'" + keyword + "'");
        }
        Advance();
    }

    private Token ExpectIdentifier(string what)
    {
        if (Current.Kind != TokenKind.Identifier || Keywords.Contains(Current.Text))
        {
            throw Error(what);
        }
        return Advance();
    }

    public SpecificationSyntax ParseSpecification(string mainFile)
    {
        while (Current.Kind != TokenKind.EndOfFile)
        {
            int start = _position;
            try
            {
                ParseDefinition();
            }
            catch (SyntaxErrorException)
            {
                NoteBrokenDefinition(start);
                Recover(start);
            }
        }
        return new SpecificationSyntax(mainFile, _definitions, brokenNames: BrokenNames);
    }

    /// <summary>Names that definitions which failed to parse would have defined: uses of them are
    /// not reported again as undefined (the syntax error is the one to fix).</summary>
    public HashSet<string> BrokenNames { get; } = new(StringComparer.Ordinal);

    private void NoteBrokenDefinition(int start)
    {
        Token first = _tokens[start];
        bool named = first.Kind == TokenKind.Identifier && first.Text is "struct" or "union" or "enum" or "program" or "const";
        for (int i = start + 1; i <= _position && i < _tokens.Count; i++)
        {
            Token token = _tokens[i];
            if (token.Kind == TokenKind.Identifier && !Keywords.Contains(token.Text))
            {
                // struct/union/enum/program/const NAME ...; a typedef's name comes last, so every
                // identifier read so far is a candidate.
                BrokenNames.Add(token.Text);
                if (named)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Skips to just after the ';' that ends the broken definition (tracking braces), or
    /// to the next definition keyword at the top level.</summary>
    private void Recover(int definitionStart)
    {
        if (_position == definitionStart)
        {
            Advance();
        }
        int depth = 0;
        for (int i = definitionStart; i < _position; i++)
        {
            depth += _tokens[i].Kind == TokenKind.LeftBrace ? 1 : _tokens[i].Kind == TokenKind.RightBrace ? -1 : 0;
        }
        while (Current.Kind != TokenKind.EndOfFile)
        {
            if (depth <= 0 && Current.Kind == TokenKind.Identifier && StartsDefinition(Current.Text) && !IsTypeUse())
            {
                return;
            }
            Token token = Advance();
            if (token.Kind == TokenKind.LeftBrace)
            {
                depth++;
            }
            else if (token.Kind == TokenKind.RightBrace)
            {
                depth--;
            }
            else if (token.Kind == TokenKind.Semicolon && depth <= 0)
            {
                return;
            }
        }
    }

    // "struct foo *next;" inside a body uses the keyword without starting a definition.
    private bool IsTypeUse() =>
        (Current.Text == "struct" || Current.Text == "union" || Current.Text == "enum") &&
        PeekAt(1).Kind == TokenKind.Identifier && PeekAt(2).Kind != TokenKind.LeftBrace && PeekAt(2).Text != "switch";

    private static bool StartsDefinition(string word) =>
        word == "const" || word == "typedef" || word == "enum" || word == "struct" || word == "union" || word == "program";

    internal static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "bool", "case", "const", "default", "double", "quadruple", "enum", "float", "hyper", "int", "opaque",
        "program", "string", "struct", "switch", "typedef", "union", "unsigned", "version", "void",
        "char", "short", "long",
    };

    private void ParseDefinition()
    {
        Token start = Current;
        if (start.Kind != TokenKind.Identifier)
        {
            throw Error("a definition (const, typedef, enum, struct, union or program)");
        }
        switch (start.Text)
        {
            case "const":
            {
                Advance();
                Token name = ExpectIdentifier("a constant name");
                Expect(TokenKind.Equals, "'='");
                ValueSyntax value = Current.Kind == TokenKind.String
                    ? ValueSyntax.FromString(Current.Text, Advance().Location)
                    : ParseValue();
                Expect(TokenKind.Semicolon, "';'");
                _definitions.Add(new ConstSyntax(name.Text, value, name.Location));
                return;
            }
            case "typedef":
            {
                Advance();
                DeclarationSyntax declaration = ParseDeclaration(null, isTypedef: true);
                Expect(TokenKind.Semicolon, "';'");
                if (declaration.Kind == DeclarationKind.Void)
                {
                    _diagnostics.Report(DiagnosticDescriptors.VoidNotAllowed, declaration.Location, "in a typedef");
                    return;
                }
                // "typedef struct { ... } name;" already became the struct itself.
                if (!(declaration.Kind == DeclarationKind.Plain && declaration.Type?.Name == declaration.Name && _inlineNamedAsTypedef))
                {
                    _definitions.Add(new TypedefSyntax(declaration, declaration.Location));
                }
                _inlineNamedAsTypedef = false;
                return;
            }
            case "enum":
            case "struct":
            case "union":
            {
                Advance();
                Token name = ExpectIdentifier("a type name");
                _definitions.Add(ParseTypeBody(start.Text, name.Text, name.Location));
                Expect(TokenKind.Semicolon, "';'");
                return;
            }
            case "program":
                ParseProgram();
                return;
            default:
                throw Error("a definition (const, typedef, enum, struct, union or program)");
        }
    }

    private bool _inlineNamedAsTypedef;

    /// <summary>The body after <c>enum/struct/union NAME</c>.</summary>
    private DefinitionSyntax ParseTypeBody(string keyword, string name, SourceLocation location)
    {
        if (++_nesting > MaxNesting)
        {
            _diagnostics.Report(DiagnosticDescriptors.NestingTooDeep, Current.Location, MaxNesting);
            throw new SyntaxErrorException();
        }
        try
        {
            return keyword switch
            {
                "enum" => ParseEnumBody(name, location),
                "struct" => ParseStructBody(name, location),
                _ => ParseUnionBody(name, location),
            };
        }
        finally
        {
            _nesting--;
        }
    }

    private EnumSyntax ParseEnumBody(string name, SourceLocation location)
    {
        Expect(TokenKind.LeftBrace, "'{'");
        var members = new List<EnumMemberSyntax>();
        while (true)
        {
            Token member = ExpectIdentifier("an enum member name");
            ValueSyntax? value = null;
            if (Current.Kind == TokenKind.Equals)
            {
                Advance();
                value = ParseValue();
            }
            members.Add(new EnumMemberSyntax(member.Text, value, member.Location));
            if (Current.Kind == TokenKind.Comma)
            {
                Advance();
                if (Current.Kind == TokenKind.RightBrace)
                {
                    break; // trailing comma, as C allows
                }
                continue;
            }
            break;
        }
        Expect(TokenKind.RightBrace, "',' or '}'");
        return new EnumSyntax(name, members, location);
    }

    private StructSyntax ParseStructBody(string name, SourceLocation location)
    {
        Expect(TokenKind.LeftBrace, "'{'");
        var fields = new List<DeclarationSyntax>();
        do
        {
            fields.Add(ParseDeclaration(name, isTypedef: false));
            Expect(TokenKind.Semicolon, "';'");
        }
        while (Current.Kind != TokenKind.RightBrace && Current.Kind != TokenKind.EndOfFile);
        Expect(TokenKind.RightBrace, "'}'");
        return new StructSyntax(name, fields, location);
    }

    private UnionSyntax ParseUnionBody(string name, SourceLocation location)
    {
        ExpectKeyword("switch");
        Expect(TokenKind.LeftParen, "'('");
        DeclarationSyntax discriminant = ParseDeclaration(name, isTypedef: false);
        Expect(TokenKind.RightParen, "')'");
        Expect(TokenKind.LeftBrace, "'{'");
        var arms = new List<UnionArmSyntax>();
        UnionArmSyntax? defaultArm = null;
        while (IsKeyword("case"))
        {
            SourceLocation armLocation = Current.Location;
            var labels = new List<ValueSyntax>();
            while (IsKeyword("case"))
            {
                Advance();
                labels.Add(ParseValue());
                Expect(TokenKind.Colon, "':'");
            }
            DeclarationSyntax body = ParseDeclaration(name, isTypedef: false);
            Expect(TokenKind.Semicolon, "';'");
            arms.Add(new UnionArmSyntax(labels, body, armLocation));
        }
        if (IsKeyword("default"))
        {
            SourceLocation armLocation = Current.Location;
            Advance();
            Expect(TokenKind.Colon, "':'");
            DeclarationSyntax body = ParseDeclaration(name, isTypedef: false);
            Expect(TokenKind.Semicolon, "';'");
            defaultArm = new UnionArmSyntax(Array.Empty<ValueSyntax>(), body, armLocation);
        }
        if (arms.Count == 0 && defaultArm is null)
        {
            throw Error("'case'");
        }
        Expect(TokenKind.RightBrace, defaultArm is null ? "'case', 'default' or '}'" : "'}'");
        return new UnionSyntax(name, discriminant, arms, defaultArm, location);
    }

    /// <summary>A constant: integer literal (optionally negative) or a name.</summary>
    private ValueSyntax ParseValue()
    {
        Token first = Current;
        bool negative = false;
        if (first.Kind == TokenKind.Minus)
        {
            negative = true;
            Advance();
        }
        if (Current.Kind == TokenKind.Number)
        {
            Token number = Advance();
            ulong magnitude = number.Number;
            ulong limit = negative ? 1UL << 63 : ulong.MaxValue;
            if (magnitude > limit)
            {
                _diagnostics.Report(DiagnosticDescriptors.InvalidNumber, number.Location, (negative ? "-" : "") + number.Text);
                magnitude = 0;
            }
            // Values above long.MaxValue (unsigned hyper) keep their bit pattern; the binder range-checks.
            long value = negative ? unchecked(-(long)magnitude) : unchecked((long)magnitude);
            string text = (negative ? "-" : "") + number.Text;
            return ValueSyntax.FromLiteral(value, text, first.Location);
        }
        if (!negative && Current.Kind == TokenKind.Identifier && !Keywords.Contains(Current.Text))
        {
            Token name = Advance();
            return ValueSyntax.FromName(name.Text, name.Location);
        }
        throw Error("a constant (number or name)");
    }
}
