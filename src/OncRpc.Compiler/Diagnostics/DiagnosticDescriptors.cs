using System.Collections.Generic;

namespace OncRpc.Compiler.Diagnostics;

/// <summary>
/// Every diagnostic the compiler can report. Ids are stable: 10xx lexing and preprocessing,
/// 11xx syntax, 12xx semantics, 13xx limits and emission. Each id has a page in docs/diagnostics/.
/// </summary>
public static class DiagnosticDescriptors
{
    private static DiagnosticDescriptor E(string id, string title, string format) =>
        new(id, DiagnosticSeverity.Error, title, format);

    // Lexing and preprocessing.
    public static readonly DiagnosticDescriptor UnexpectedCharacter = E("ONCRPC1001", "Unexpected character", "unexpected character '{0}'");
    public static readonly DiagnosticDescriptor UnterminatedComment = E("ONCRPC1002", "Unterminated comment", "comment starting here is never closed");
    public static readonly DiagnosticDescriptor InvalidNumber = E("ONCRPC1003", "Invalid integer literal", "'{0}' is not a valid integer literal or is out of range");
    public static readonly DiagnosticDescriptor UnknownDirective = E("ONCRPC1004", "Unknown or malformed preprocessor directive", "{0}");
    public static readonly DiagnosticDescriptor IncludeNotFound = E("ONCRPC1005", "Included file not found", "cannot find included file '{0}'");
    public static readonly DiagnosticDescriptor IncludeCycle = E("ONCRPC1006", "Include cycle", "'{0}' includes itself (directly or indirectly)");
    public static readonly DiagnosticDescriptor ConditionalMismatch = E("ONCRPC1007", "Unbalanced conditional directive", "{0}");
    public static readonly DiagnosticDescriptor InvalidCondition = E("ONCRPC1008", "Invalid #if expression", "invalid #if expression: {0}");
    public static readonly DiagnosticDescriptor UnsupportedMacro = E("ONCRPC1009", "Unsupported macro", "function-like macro '{0}' is not supported; only object-like #define is");
    public static readonly DiagnosticDescriptor ErrorDirective = E("ONCRPC1010", "#error directive", "#error {0}");
    public static readonly DiagnosticDescriptor MacroExpansionLimit = E("ONCRPC1011", "Macro expansion too deep", "expanding '{0}' exceeds the expansion limit");
    public static readonly DiagnosticDescriptor IncludeFailed = E("ONCRPC1012", "Included file could not be read", "cannot read included file '{0}': {1}");

    // Syntax.
    public static readonly DiagnosticDescriptor UnexpectedToken = E("ONCRPC1101", "Syntax error", "expected {0}, found {1}");
    public static readonly DiagnosticDescriptor NestingTooDeep = E("ONCRPC1102", "Nesting too deep", "definitions nest more than {0} levels deep");
    public static readonly DiagnosticDescriptor BoundSyntaxRequired = E("ONCRPC1103", "Missing size", "'{0}' must be declared with a size: {0} name<max> or {0} name[n]{1}");
    public static readonly DiagnosticDescriptor SemanticsDeclaredTwice = E("ONCRPC1104", "Call semantics declared twice", "the call semantics of procedure '{0}' are already declared ('{1}', line {2}); declare them once");

    // Semantics.
    public static readonly DiagnosticDescriptor UndefinedType = E("ONCRPC1201", "Undefined type",
        "type '{0}' is not defined: define it in a .x file compiled with this one, or supply a C# type implementing IXdrSerializable<T> with ExternTypes=\"{0}=Namespace.Type\" on the OncRpcFile item (oncrpc gen --extern {0}=Namespace.Type)");
    public static readonly DiagnosticDescriptor UndefinedConstant = E("ONCRPC1202", "Undefined constant", "constant '{0}' is not defined");
    public static readonly DiagnosticDescriptor DuplicateName = E("ONCRPC1203", "Duplicate name", "'{0}' is already defined at {1}");
    public static readonly DiagnosticDescriptor InvalidBound = E("ONCRPC1204", "Invalid size", "size {0} is invalid: {1}");
    public static readonly DiagnosticDescriptor InvalidDiscriminant = E("ONCRPC1205", "Invalid union discriminant", "the discriminant of union '{0}' must be int, unsigned int, bool or an enum, not {1}");
    public static readonly DiagnosticDescriptor CaseTypeMismatch = E("ONCRPC1206", "Case label does not match discriminant", "case label '{0}' is not a value of the discriminant type {1}");
    public static readonly DiagnosticDescriptor DuplicateCase = E("ONCRPC1207", "Duplicate case value", "case value {0} appears more than once in union '{1}'");
    public static readonly DiagnosticDescriptor InfiniteType = E("ONCRPC1208", "Type can never terminate", "'{0}' contains itself by value ({1}); use an optional (*) or variable-length array to end the recursion");
    public static readonly DiagnosticDescriptor VoidNotAllowed = E("ONCRPC1209", "void not allowed", "void is not allowed {0}");
    public static readonly DiagnosticDescriptor DuplicateNumber = E("ONCRPC1210", "Duplicate number", "{0} number {1} is already used by '{2}'");
    public static readonly DiagnosticDescriptor ConstantCycle = E("ONCRPC1211", "Constant defined in terms of itself", "constant '{0}' is defined in terms of itself");
    public static readonly DiagnosticDescriptor ValueOutOfRange = E("ONCRPC1212", "Value out of range", "{0} value {1} is out of range ({2})");
    public static readonly DiagnosticDescriptor WrongKind = E("ONCRPC1213", "Wrong kind of name", "'{0}' is {1}, not {2}");
    public static readonly DiagnosticDescriptor InvalidOptional = E("ONCRPC1214", "Invalid optional", "'{0}' cannot be optional: {1}");
    public static readonly DiagnosticDescriptor OneWayWithResult = E("ONCRPC1215", "One-way procedure with a result", "procedure '{0}' is declared '{1}' (one-way: the server sends no reply), so its result must be void");

    // Limits and output.
    public static readonly DiagnosticDescriptor InputTooLarge = E("ONCRPC1301", "Input too large", "{0}");
    public static readonly DiagnosticDescriptor InternalError = E("ONCRPC1302", "Internal compiler error", "internal compiler error: {0}");
    public static readonly DiagnosticDescriptor InvalidOption = E("ONCRPC1303", "Invalid option", "{0}");

    /// <summary>Every descriptor, in id order (docs and tests enumerate these).</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = new[]
    {
        UnexpectedCharacter, UnterminatedComment, InvalidNumber, UnknownDirective, IncludeNotFound, IncludeCycle,
        ConditionalMismatch, InvalidCondition, UnsupportedMacro, ErrorDirective, MacroExpansionLimit, IncludeFailed,
        UnexpectedToken, NestingTooDeep, BoundSyntaxRequired, SemanticsDeclaredTwice,
        UndefinedType, UndefinedConstant, DuplicateName, InvalidBound, InvalidDiscriminant, CaseTypeMismatch,
        DuplicateCase, InfiniteType, VoidNotAllowed, DuplicateNumber, ConstantCycle, ValueOutOfRange, WrongKind,
        InvalidOptional, OneWayWithResult, InputTooLarge, InternalError, InvalidOption,
    };
}
