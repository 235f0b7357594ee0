/**
 * The public surface of a TypeScript or JavaScript module as plain data: what a dependent can
 * name and call, with every type written out by the type checker, and nothing a dependent cannot
 * see (bodies, comments, layout, private members, unexported code). interface.ts hashes it.
 *
 * This module imports ts-morph (about half a second to load), so interface.ts loads it only
 * through a dynamic import, and only when its cache cannot answer.
 */
import { existsSync, realpathSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { Node, Project, ts, type Signature, type SourceFile, type Symbol as MorphSymbol, type Type } from "ts-morph";

/** One exported name (or referenced type), by what it means; several for merged declarations. */
export interface SymbolShape {
  /** Call signatures, overloads in order (their order is part of overload resolution). */
  function?: string[];
  variable?: { kind: string; type: string };
  class?: ClassShape;
  interface?: ObjectShape & { typeParameters: string[] };
  typeAlias?: { typeParameters: string[]; type: string };
  enum?: { const: boolean; members: Record<string, string | number | null> };
  namespace?: Record<string, SymbolShape>;
  /** Anything else that is exported (`export default <expression>`, `export =`): its type. */
  value?: string;
}

/** The members of an object type, keyed by name so their order does not matter. */
export interface ObjectShape {
  properties: Record<string, { type: string; optional: boolean; readonly: boolean; protected?: true }>;
  call: string[];
  construct: string[];
  index: Record<string, string>;
}

export interface ClassShape {
  abstract: boolean;
  typeParameters: string[];
  extends: string[];
  instance: ObjectShape;
  static: ObjectShape;
}

export interface Extraction {
  /** Export name -> what it is, resolved through re-exports. */
  exports: Record<string, SymbolShape>;
  /**
   * Named types the exports mention that are declared in the project but not exported by this
   * module (keyed `file#Name`): a dependent uses their structure (`user.email`) without naming them.
   */
  referenced: Record<string, SymbolShape>;
  /** Every project file the compiler read (path relative to the root -> the text it saw). */
  files: Record<string, string>;
  /** False when a relative import did not resolve: creating that file later changes the result. */
  complete: boolean;
  /** The module as a declaration file shows it: exports with their types and doc comments. */
  declarations: string;
}

/** Fixed options, not the root's tsconfig: the hash must not depend on where or how it runs. */
function createProject(rootDir: string): Project {
  return new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      allowJs: true,
      // declarations only, emitted to memory: what a dependent's agent reads
      declaration: true,
      emitDeclarationOnly: true,
      skipLibCheck: true,
      typeRoots: typeRootsOf(rootDir),
      // union members in name order, not in the order the checker first met them (TS 6+)
      stableTypeOrdering: true,
    },
  });
}

/**
 * One project for the life of the process: the standard library's declarations are
 * parsed and bound once, not for every interface (the first extraction costs about 1.5 s, each
 * later one a fraction of that). Each extraction starts from the files as they are on disk now.
 */
let shared: Project | undefined;

function freshProject(rootDir: string): Project {
  shared ??= createProject(rootDir);
  const typeRoots = typeRootsOf(rootDir);
  // changing an option rebuilds the program from scratch: only when it really differs
  if (JSON.stringify(shared.compilerOptions.get().typeRoots) !== JSON.stringify(typeRoots)) shared.compilerOptions.set({ typeRoots });
  for (const source of shared.getSourceFiles()) shared.removeSourceFile(source);
  return shared;
}

/**
 * The @types the root's own files would see (the nearest node_modules/@types from the root up),
 * not those of the directory phoenix happens to run in. Resolved to its real path, so every
 * workspace copy of a root shares it, and the project is reused.
 */
function typeRootsOf(rootDir: string): string[] {
  for (let dir = rootDir; ; dir = dirname(dir)) {
    const types = join(dir, "node_modules", "@types");
    if (existsSync(types)) return [realpathSync(types)];
    if (dirname(dir) === dir) return [];
  }
}

export function extractInterface(rootDir: string, file: string): Extraction {
  const project = freshProject(rootDir);
  const sourceFile = project.addSourceFileAtPath(file);
  project.resolveSourceFileDependencies();
  const describer = new Describer(rootDir, sourceFile);
  const exports = describer.describeModule(sourceFile);
  const referenced = describer.describeReferencedTypes();
  // every file the program loaded, `/// <reference>`d ones too: resolveSourceFileDependencies added them
  const projectFiles = project.getSourceFiles().filter(isProjectFile);
  const emitted = project.emitToMemory({ targetSourceFile: sourceFile, emitOnlyDtsFiles: true }).getFiles();
  return {
    declarations: emitted.find((f) => /\.d\.[cm]?ts$/.test(f.filePath))?.text.trim() ?? "",
    exports,
    referenced,
    files: Object.fromEntries(projectFiles.map((f) => [relativePath(rootDir, f.getFilePath()), f.getFullText()])),
    complete: projectFiles.every(resolvesAllRelativeImports),
  };
}

/** Written by someone in this project: not the standard library, not an installed package. */
function isProjectFile(file: SourceFile): boolean {
  return !file.isInNodeModules() && !file.isFromExternalLibrary();
}

function resolvesAllRelativeImports(file: SourceFile): boolean {
  const resolved = new Set(file.getLiteralsReferencingOtherSourceFiles());
  return file.getImportStringLiterals().every((literal) => !literal.getLiteralText().startsWith(".") || resolved.has(literal));
}

function relativePath(rootDir: string, path: string): string {
  return relative(rootDir, path).split(sep).join("/");
}

const MAX_VISITED_TYPES = 20_000;
const TYPE_FORMAT = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;

/**
 * Turns symbols into shapes. Every type it writes out is also queued, so the named project types
 * inside it (an unexported `User` behind `Promise<User>`) are found and described too.
 */
class Describer {
  private readonly checker;
  private readonly exported = new Set<ts.Symbol>();
  private readonly modulesInProgress = new Set<ts.Symbol>();
  private readonly typesToVisit: Type[] = [];
  private readonly visitedTypes = new Set<ts.Type>();
  private readonly referenced = new Map<ts.Symbol, { key: string; symbol: MorphSymbol }>();

  constructor(private readonly rootDir: string, private readonly enclosing: SourceFile) {
    this.checker = enclosing.getProject().getTypeChecker();
    const module = enclosing.getSymbol();
    for (const symbol of module ? this.checker.getExportsOfModule(module) : []) this.exported.add(this.resolve(symbol).compilerSymbol);
  }

  /** A module's exports (`export *` and `export { a } from` followed), by exported name. */
  describeModule(module: SourceFile): Record<string, SymbolShape> {
    const symbol = module.getSymbol();
    return symbol ? this.describeModuleSymbol(symbol) : {};
  }

  private describeModuleSymbol(module: MorphSymbol): Record<string, SymbolShape> {
    if (this.modulesInProgress.has(module.compilerSymbol)) return {}; // `export * as self from "./self.js"`
    this.modulesInProgress.add(module.compilerSymbol);
    const exports = this.checker.getExportsOfModule(module).map((s): [string, SymbolShape] => [s.getName(), this.describeSymbol(s)]);
    this.modulesInProgress.delete(module.compilerSymbol);
    return Object.fromEntries(exports);
  }

  /** Named types found while describing, until describing them finds no more. */
  describeReferencedTypes(): Record<string, SymbolShape> {
    const shapes = new Map<string, SymbolShape>();
    for (;;) {
      while (this.typesToVisit.length > 0) this.visit(this.typesToVisit.pop()!);
      const next = [...this.referenced.values()].find(({ key }) => !shapes.has(key));
      if (!next) return Object.fromEntries(shapes);
      shapes.set(next.key, this.describeSymbol(next.symbol));
    }
  }

  private resolve(symbol: MorphSymbol): MorphSymbol {
    return symbol.isAlias() ? (symbol.getAliasedSymbol() ?? symbol) : symbol;
  }

  private describeSymbol(exported: MorphSymbol): SymbolShape {
    const symbol = this.resolve(exported);
    const has = (flag: ts.SymbolFlags) => hasAnyFlag(symbol, flag);
    const shape: SymbolShape = {};
    if (has(ts.SymbolFlags.Function) || has(ts.SymbolFlags.Method)) shape.function = this.signatures(this.typeOf(symbol).getCallSignatures());
    if (has(ts.SymbolFlags.Variable) || has(ts.SymbolFlags.Property)) shape.variable = { kind: variableKind(symbol), type: this.print(this.typeOf(symbol)) };
    if (has(ts.SymbolFlags.Class)) shape.class = this.classShape(symbol);
    else if (has(ts.SymbolFlags.Interface)) shape.interface = { typeParameters: this.typeParameters(symbol), ...this.objectShape(symbol.getDeclaredType()) };
    if (has(ts.SymbolFlags.TypeAlias)) shape.typeAlias = this.typeAliasShape(symbol);
    if (has(ts.SymbolFlags.Enum)) shape.enum = enumShape(symbol);
    if (has(ts.SymbolFlags.Module) && !has(ts.SymbolFlags.Enum)) shape.namespace = this.describeModuleSymbol(symbol);
    if (Object.keys(shape).length === 0) shape.value = this.print(this.typeOf(symbol));
    return shape;
  }

  private classShape(symbol: MorphSymbol): ClassShape {
    const staticSide = this.objectShape(this.typeOf(symbol));
    delete staticSide.properties.prototype; // the instance side again, described below
    const declaration = symbol.getDeclarations().find(Node.isClassDeclaration);
    return {
      abstract: declaration?.isAbstract() ?? false,
      typeParameters: this.typeParameters(symbol),
      extends: symbol.getDeclaredType().getBaseTypes().map((t) => this.print(t)),
      instance: this.objectShape(symbol.getDeclaredType()),
      static: staticSide,
    };
  }

  private typeAliasShape(symbol: MorphSymbol): { typeParameters: string[]; type: string } {
    const declaration = symbol.getDeclarations().find(Node.isTypeAliasDeclaration);
    // the aliased type written out, not the alias's own name
    const aliased = declaration?.getTypeNode()?.getType() ?? symbol.getDeclaredType();
    this.visitStructure(aliased); // visiting it by its alias would stop at the alias
    return { typeParameters: this.typeParameters(symbol), type: this.print(aliased, ts.TypeFormatFlags.InTypeAlias) };
  }

  /** Public and protected members only: private ones are the class's own business. */
  private objectShape(type: Type): ObjectShape {
    const members = type.getProperties().filter((p) => !isPrivate(p))
      .map((p): [string, ObjectShape["properties"][string]] => [p.getName(), {
        type: this.print(this.typeOf(p)),
        optional: p.isOptional(),
        readonly: isReadonly(p),
        ...(isProtected(p) ? { protected: true as const } : {}),
      }]);
    const index: Record<string, string> = {};
    const stringIndex = type.getStringIndexType();
    const numberIndex = type.getNumberIndexType();
    if (stringIndex) index.string = this.print(stringIndex);
    if (numberIndex) index.number = this.print(numberIndex);
    return {
      properties: Object.fromEntries(members),
      call: this.signatures(type.getCallSignatures()),
      construct: this.signatures(type.getConstructSignatures()),
      index,
    };
  }

  private typeParameters(symbol: MorphSymbol): string[] {
    const declaration = symbol.getDeclarations().find(Node.isTypeParametered);
    return (declaration?.getTypeParameters() ?? []).map((p) => {
      const constraint = p.getConstraint();
      const fallback = p.getDefault();
      return [p.getName(), constraint && `extends ${this.print(constraint.getType())}`, fallback && `= ${this.print(fallback.getType())}`]
        .filter(Boolean).join(" ");
    });
  }

  private signatures(signatures: Signature[]): string[] {
    return signatures.map((signature) => {
      for (const parameter of signature.getParameters()) this.typesToVisit.push(this.typeOf(parameter));
      this.typesToVisit.push(signature.getReturnType());
      const text = this.checker.compilerObject.signatureToString(signature.compilerSignature, this.enclosing.compilerNode, TYPE_FORMAT);
      return this.withoutRootDir(text);
    });
  }

  private print(type: Type, extraFlags: ts.TypeFormatFlags = 0): string {
    this.typesToVisit.push(type);
    return this.withoutRootDir(this.checker.getTypeText(type, this.enclosing, TYPE_FORMAT | extraFlags));
  }

  /** `import("/tmp/x/src/a").T` -> `import("src/a").T`: the same code must hash the same anywhere. */
  private withoutRootDir(text: string): string {
    return text.replaceAll(`"${this.rootDir}/`, `"`);
  }

  private typeOf(symbol: MorphSymbol): Type {
    return this.checker.getTypeOfSymbolAtLocation(symbol, this.enclosing);
  }

  /** Finds the named project types inside a type; `describeReferencedTypes` describes them. */
  private visit(type: Type): void {
    // a guard, not a limit met in practice: generic types can instantiate without end
    if (this.visitedTypes.has(type.compilerType) || this.visitedTypes.size >= MAX_VISITED_TYPES) return;
    this.visitedTypes.add(type.compilerType);
    const alias = type.getAliasSymbol();
    if (!alias) return this.visitStructure(type);
    this.noteNamed(alias);
    this.typesToVisit.push(...type.getAliasTypeArguments());
  }

  /** A type's parts, even when it has an alias: a type alias's own body is visited this way. */
  private visitStructure(type: Type): void {
    this.typesToVisit.push(...type.getUnionTypes(), ...type.getIntersectionTypes(), ...type.getTypeArguments());
    const symbol = type.getSymbol();
    if (symbol && hasAnyFlag(symbol, ts.SymbolFlags.EnumMember)) return this.noteNamed(enumOf(symbol));
    if (symbol && hasAnyFlag(symbol, ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.Enum)) return this.noteNamed(symbol);
    if (type.isObject()) this.objectShape(type); // an anonymous object type: its members' types are queued
  }

  private noteNamed(symbol: MorphSymbol | undefined): void {
    if (!symbol || this.exported.has(symbol.compilerSymbol) || this.referenced.has(symbol.compilerSymbol)) return;
    const declaration = symbol.getDeclarations()[0];
    if (!declaration || !isProjectFile(declaration.getSourceFile())) return;
    const key = `${relativePath(this.rootDir, declaration.getSourceFile().getFilePath())}#${symbol.getName()}`;
    this.referenced.set(symbol.compilerSymbol, { key, symbol });
  }
}

/** ts-morph's `hasFlags` wants every flag given; this wants one of them. */
function hasAnyFlag(symbol: MorphSymbol, flags: ts.SymbolFlags): boolean {
  return (symbol.getFlags() & flags) !== 0;
}

function variableKind(symbol: MorphSymbol): string {
  const declaration = symbol.getDeclarations().find(Node.isVariableDeclaration);
  return declaration?.getVariableStatement()?.getDeclarationKind() ?? "property";
}

function enumShape(symbol: MorphSymbol): NonNullable<SymbolShape["enum"]> {
  const declarations = symbol.getDeclarations().filter(Node.isEnumDeclaration);
  const members = declarations.flatMap((d) => d.getMembers()).map((m): [string, string | number | null] => [m.getName(), m.getValue() ?? null]);
  return { const: declarations.some((d) => d.isConstEnum()), members: Object.fromEntries(members) };
}

function enumOf(member: MorphSymbol): MorphSymbol | undefined {
  const parent = member.getDeclarations()[0]?.getParent();
  return parent && Node.isEnumDeclaration(parent) ? parent.getSymbol() : undefined;
}

function modifierFlags(member: MorphSymbol): ts.ModifierFlags[] {
  return member.getDeclarations().map((d) => ts.getCombinedModifierFlags(d.compilerNode as ts.Declaration));
}

function isPrivate(member: MorphSymbol): boolean {
  const privateName = member.getDeclarations().some((d) => {
    const name = (d.compilerNode as ts.NamedDeclaration).name;
    return name !== undefined && ts.isPrivateIdentifier(name);
  });
  return privateName || modifierFlags(member).some((f) => (f & ts.ModifierFlags.Private) !== 0);
}

function isProtected(member: MorphSymbol): boolean {
  return modifierFlags(member).some((f) => (f & ts.ModifierFlags.Protected) !== 0);
}

/** `readonly x`, or a getter without a setter. */
function isReadonly(member: MorphSymbol): boolean {
  const declarations = member.getDeclarations();
  if (modifierFlags(member).some((f) => (f & ts.ModifierFlags.Readonly) !== 0)) return true;
  return declarations.some(Node.isGetAccessorDeclaration) && !declarations.some(Node.isSetAccessorDeclaration);
}
