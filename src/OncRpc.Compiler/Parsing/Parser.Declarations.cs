using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Lexing;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler.Parsing;

internal sealed partial class Parser
{
    /// <summary>RFC 4506 §6.3 "declaration". <paramref name="container"/> names inline anonymous
    /// types (<c>container_field</c>); in a typedef the typedef's own name is used.</summary>
    private DeclarationSyntax ParseDeclaration(string? container, bool isTypedef)
    {
        SourceLocation start = Current.Location;
        if (IsKeyword("void"))
        {
            Advance();
            return new DeclarationSyntax(DeclarationKind.Void, null, null, null, start);
        }
        TypeSyntax type = ParseTypeSpecifier(container, isTypedef);
        if (type.Kind == TypeKind.String || type.Kind == TypeKind.Opaque)
        {
            string keyword = type.Kind == TypeKind.String ? "string" : "opaque";
            Token stringName = ExpectIdentifier("a name");
            if (Current.Kind == TokenKind.Less)
            {
                ValueSyntax? max = ParseVariableBound();
                return new DeclarationSyntax(DeclarationKind.VariableArray, type, stringName.Text, max, stringName.Location);
            }
            if (type.Kind == TypeKind.Opaque && Current.Kind == TokenKind.LeftBracket)
            {
                Advance();
                ValueSyntax size = ParseValue();
                Expect(TokenKind.RightBracket, "']'");
                return new DeclarationSyntax(DeclarationKind.FixedArray, type, stringName.Text, size, stringName.Location);
            }
            _diagnostics.Report(DiagnosticDescriptors.BoundSyntaxRequired, stringName.Location, keyword,
                type.Kind == TypeKind.String ? " (strings have only the <max> form)" : string.Empty);
            throw new SyntaxErrorException();
        }
        if (Current.Kind == TokenKind.Star)
        {
            Advance();
            Token optionalName = ExpectIdentifier("a name");
            return new DeclarationSyntax(DeclarationKind.Optional, type, optionalName.Text, null, optionalName.Location);
        }
        Token name = ExpectIdentifier("a name");
        if (Current.Kind == TokenKind.LeftBracket)
        {
            Advance();
            ValueSyntax size = ParseValue();
            Expect(TokenKind.RightBracket, "']'");
            return new DeclarationSyntax(DeclarationKind.FixedArray, type, name.Text, size, name.Location);
        }
        if (Current.Kind == TokenKind.Less)
        {
            ValueSyntax? max = ParseVariableBound();
            return new DeclarationSyntax(DeclarationKind.VariableArray, type, name.Text, max, name.Location);
        }
        return new DeclarationSyntax(DeclarationKind.Plain, type, name.Text, null, name.Location);
    }

    /// <summary><c>&lt;&gt;</c> or <c>&lt;max&gt;</c>; null means unbounded (2^32 - 1).</summary>
    private ValueSyntax? ParseVariableBound()
    {
        Expect(TokenKind.Less, "'<'");
        if (Current.Kind == TokenKind.Greater)
        {
            Advance();
            return null;
        }
        ValueSyntax max = ParseValue();
        Expect(TokenKind.Greater, "'>'");
        return max;
    }

    private TypeSyntax ParseTypeSpecifier(string? container, bool isTypedef)
    {
        Token token = Current;
        if (token.Kind != TokenKind.Identifier)
        {
            throw Error("a type");
        }
        SourceLocation at = token.Location;
        switch (token.Text)
        {
            case "unsigned":
                Advance();
                if (IsKeyword("int") || IsKeyword("long") || IsKeyword("short") || IsKeyword("char"))
                {
                    Advance();
                    return new TypeSyntax(TypeKind.UnsignedInt, at);
                }
                if (IsKeyword("hyper"))
                {
                    Advance();
                    return new TypeSyntax(TypeKind.UnsignedHyper, at);
                }
                return new TypeSyntax(TypeKind.UnsignedInt, at); // "unsigned" alone is unsigned int
            case "int":
            case "long": // rpcgen: long is XDR int (4 bytes), xdr_long
            case "short":
            case "char":
                Advance();
                return new TypeSyntax(TypeKind.Int, at);
            case "hyper":
                Advance();
                return new TypeSyntax(TypeKind.Hyper, at);
            case "float":
                Advance();
                return new TypeSyntax(TypeKind.Float, at);
            case "double":
                Advance();
                return new TypeSyntax(TypeKind.Double, at);
            case "quadruple":
                Advance();
                return new TypeSyntax(TypeKind.Quadruple, at);
            case "bool":
                Advance();
                return new TypeSyntax(TypeKind.Bool, at);
            case "string":
                Advance();
                return new TypeSyntax(TypeKind.String, at);
            case "opaque":
                Advance();
                return new TypeSyntax(TypeKind.Opaque, at);
            case "enum":
            case "struct":
            case "union":
            {
                Advance();
                bool inline = Current.Kind == TokenKind.LeftBrace || (token.Text == "union" && IsKeyword("switch"));
                if (!inline)
                {
                    Token referenced = ExpectIdentifier("a type name");
                    return new TypeSyntax(TypeKind.Named, referenced.Location, referenced.Text);
                }
                string name = InlineName(container, isTypedef);
                _definitions.Add(ParseTypeBody(token.Text, name, at));
                return new TypeSyntax(TypeKind.Named, at, name);
            }
            case "void":
                throw Error("a type (void is only allowed alone)");
            default:
                if (Keywords.Contains(token.Text))
                {
                    throw Error("a type");
                }
                Advance();
                return new TypeSyntax(TypeKind.Named, at, token.Text);
        }
    }

    /// <summary>Names an inline anonymous type from the declaration that follows its body: found by
    /// scanning to the matching '}' (the name comes after the body in C syntax).</summary>
    private string InlineName(string? container, bool isTypedef)
    {
        int depth = 0;
        int i = _position;
        for (; i < _tokens.Count; i++)
        {
            TokenKind kind = _tokens[i].Kind;
            if (kind == TokenKind.LeftBrace)
            {
                depth++;
            }
            else if (kind == TokenKind.RightBrace && --depth == 0)
            {
                break;
            }
        }
        int next = i + 1;
        bool optional = next < _tokens.Count && _tokens[next].Kind == TokenKind.Star;
        if (optional)
        {
            next++;
        }
        string declared = next < _tokens.Count && _tokens[next].Kind == TokenKind.Identifier ? _tokens[next].Text : "anonymous";
        if (isTypedef && !optional && !(next + 1 < _tokens.Count && (_tokens[next + 1].Kind == TokenKind.LeftBracket || _tokens[next + 1].Kind == TokenKind.Less)))
        {
            _inlineNamedAsTypedef = true;
            return declared;
        }
        return (container ?? "anonymous") + "_" + declared;
    }

    private void ParseProgram()
    {
        ExpectKeyword("program");
        Token name = ExpectIdentifier("a program name");
        Expect(TokenKind.LeftBrace, "'{'");
        var versions = new List<VersionSyntax>();
        do
        {
            versions.Add(ParseVersion());
        }
        while (IsKeyword("version"));
        Expect(TokenKind.RightBrace, "'version' or '}'");
        Expect(TokenKind.Equals, "'='");
        ValueSyntax number = ParseValue();
        Expect(TokenKind.Semicolon, "';'");
        _definitions.Add(new ProgramSyntax(name.Text, versions, number, name.Location));
    }

    private VersionSyntax ParseVersion()
    {
        ExpectKeyword("version");
        Token name = ExpectIdentifier("a version name");
        Expect(TokenKind.LeftBrace, "'{'");
        var procedures = new List<ProcedureSyntax>();
        do
        {
            procedures.Add(ParseProcedure());
        }
        while (Current.Kind != TokenKind.RightBrace && Current.Kind != TokenKind.EndOfFile);
        Expect(TokenKind.RightBrace, "'}'");
        Expect(TokenKind.Equals, "'='");
        ValueSyntax number = ParseValue();
        Expect(TokenKind.Semicolon, "';'");
        return new VersionSyntax(name.Text, procedures, number, name.Location);
    }

    private ProcedureSyntax ParseProcedure()
    {
        Token first = Current;
        TypeSyntax? result = null;
        if (IsKeyword("void"))
        {
            Advance();
        }
        else
        {
            result = ParseProcedureType();
        }
        Token name = ExpectIdentifier("a procedure name");
        Expect(TokenKind.LeftParen, "'('");
        var arguments = new List<TypeSyntax>();
        if (IsKeyword("void") && PeekAt(1).Kind == TokenKind.RightParen)
        {
            Advance();
        }
        else
        {
            arguments.Add(ParseProcedureType());
            while (Current.Kind == TokenKind.Comma)
            {
                Advance();
                arguments.Add(ParseProcedureType());
            }
        }
        Expect(TokenKind.RightParen, "',' or ')'");
        Expect(TokenKind.Equals, "'='");
        ValueSyntax number = ParseValue();
        Token last = Expect(TokenKind.Semicolon, "';'");
        return new ProcedureSyntax(name.Text, result, arguments, number, name.Location, ReadSemantics(name.Text, first, last));
    }

    /// <summary>A procedure argument or result: a type specifier; rpcgen also takes plain
    /// <c>string</c>/<c>opaque</c> (unbounded) here, and an optional argument name.</summary>
    private TypeSyntax ParseProcedureType()
    {
        if (Current.Kind == TokenKind.Identifier && (Current.Text == "enum" || Current.Text == "struct" || Current.Text == "union") &&
            PeekAt(1).Kind != TokenKind.Identifier)
        {
            throw Error("a named type (inline types are not allowed in procedures)");
        }
        TypeSyntax type = ParseTypeSpecifier(null, isTypedef: false);
        if (Current.Kind == TokenKind.Star)
        {
            throw Error("a type (use a typedef for an optional argument)");
        }
        // rpcgen -N accepts "int x" style named arguments; the name is not used.
        if (Current.Kind == TokenKind.Identifier && !Keywords.Contains(Current.Text) &&
            (PeekAt(1).Kind == TokenKind.Comma || PeekAt(1).Kind == TokenKind.RightParen))
        {
            Advance();
        }
        return type;
    }
}
