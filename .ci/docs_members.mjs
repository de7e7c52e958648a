// What the TypeScript checker knows of the public classes' instance members,
// for .ci/docs.mjs: deno doc lists only the members a class declares itself,
// so the Pull page would not show send, receive or its typed options.
//
// TypeScript 7's compiler API is `typescript/unstable/sync`: the checker runs
// in the native tsgo process and every call is a round trip, so answers are
// kept per symbol, signature and type.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  API,
  ModifierFlags,
  NodeBuilderFlags,
  SignatureKind,
  SymbolFlags,
} from "typescript/unstable/sync";
import { SyntaxKind } from "typescript/unstable/ast";

// CheckFlags, which the API does not export (internal/checker/types.go).
const CHECK_READONLY = 1 << 3;
const CHECK_MAPPED = 1 << 18;

/**
 * Reads the exported classes of `entries` (mod.ts, draft.ts) with the
 * compiler options of .ci/tsconfig.strict.json. Returns `classes`: those with
 * a base class or a merged interface, each with every public instance member
 * (inherited included); and `internal`: the members tagged @internal that any
 * exported class declares itself, as [class name, member name].
 */
export function readClasses(root, staging, entries) {
  const config = join(staging, "tsconfig.json");
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(root, ".ci/tsconfig.strict.json"),
      // Found from the config's directory otherwise, a temporary one.
      compilerOptions: { typeRoots: [join(root, "node_modules/@types")] },
      files: entries.map((entry) => join(root, entry)),
      include: [],
    }),
  );
  const api = new API({ cwd: root });
  try {
    const project = api.updateSnapshot({ openProjects: [config] })
      .getProject(config);
    if (project === undefined) throw new Error(`no project for ${config}`);
    return new ClassReader(root, project).read(entries);
  } finally {
    api.close();
  }
}

class ClassReader {
  #root;
  #project;
  #checker;
  #known = new Map();

  constructor(root, project) {
    this.#root = root;
    this.#project = project;
    this.#checker = project.checker;
  }

  #once(key, compute) {
    if (!this.#known.has(key)) this.#known.set(key, compute());
    return this.#known.get(key);
  }

  read(entries) {
    const checker = this.#checker;
    const symbols = new Map();
    for (const entry of entries) {
      const file = this.#project.program.getSourceFile(join(this.#root, entry));
      const module = file && checker.getSymbolAtLocation(file);
      if (module === undefined) throw new Error(`cannot read ${entry}`);
      for (const exported of checker.getExportsOfModule(module)) {
        const symbol = exported.flags & SymbolFlags.Alias
          ? checker.getAliasedSymbol(exported)
          : exported;
        if (symbol.flags & SymbolFlags.Class && !symbols.has(symbol.name)) {
          symbols.set(symbol.name, symbol);
        }
      }
    }
    const tables = {
      socket: this.#optionTable(entries[0], "socketOptions"),
      context: this.#optionTable(entries[0], "contextOptions"),
    };
    const classes = [];
    const internal = [];
    for (const [name, symbol] of symbols) {
      for (const member of symbol.getMembers().values()) {
        if (member.name.startsWith("__#") || member.name === "__constructor") {
          continue;
        }
        if (this.#tagged(member, "internal")) {
          internal.push([name, displayName(member.name)]);
        }
      }
      const read = this.#readClass(name, symbol, tables);
      if (read !== null) classes.push(read);
    }
    return { classes, internal };
  }

  // The rows of an option table exported by the first entry (mod.ts), by
  // name: the summary and the literal values of id, type, access, min, max
  // and default. The typed option properties are a mapped type, which keeps
  // no link to the rows' doc comments.
  #optionTable(entry, tableName) {
    const checker = this.#checker;
    const rows = new Map();
    const file = this.#project.program.getSourceFile(join(this.#root, entry));
    const module = checker.getSymbolAtLocation(file);
    const exported = checker.getMemberInModuleExports(module, tableName);
    if (exported === undefined) return rows;
    const table = exported.flags & SymbolFlags.Alias
      ? checker.getAliasedSymbol(exported)
      : exported;
    for (
      const row of checker.getPropertiesOfType(checker.getTypeOfSymbol(table))
    ) {
      const rowType = checker.getTypeOfSymbol(row);
      const spec = {};
      for (const key of ["type", "access", "min", "max", "default"]) {
        const field = checker.getPropertyOfType(rowType, key);
        if (field === undefined) continue;
        const value = checker.getTypeOfSymbol(field);
        spec[key] = value.isBooleanLiteralType()
          ? value.intrinsicName === "true"
          : value.value;
      }
      rows.set(row.name, {
        summary: summaryOf(checker.getDocumentationCommentOfSymbol(row)),
        spec,
      });
    }
    return rows;
  }

  #tagged(symbol, tag) {
    return this.#tags(symbol).some((info) => info.name === tag);
  }

  #tags(symbol) {
    return this.#once(
      `tags ${symbol.id}`,
      () => this.#checker.getJsDocTagsOfSymbol(symbol),
    );
  }

  #readClass(name, symbol, tables) {
    const checker = this.#checker;
    const declared = checker.getDeclaredTypeOfSymbol(symbol);
    // Base classes and interfaces, nearest first (breadth first).
    const depth = new Map([[name, 0]]);
    const queue = [[declared, 0]];
    while (queue.length > 0) {
      const [type, level] = queue.shift();
      if (!type.isClassOrInterface()) continue;
      for (const base of checker.getBaseTypes(type)) {
        const baseName = base.isClassOrInterface()
          ? base.getSymbol().name
          : checker.typeToString(base);
        if (depth.has(baseName)) continue;
        depth.set(baseName, level + 1);
        queue.push([base, level + 1]);
      }
    }
    if (depth.size === 1) return null;
    const chain = [...depth.keys()];
    const optionBase = chain.find((base) =>
      base.startsWith("SocketOptionsOf<")
    );
    const socketType = /^SocketOptionsOf<"(\w+)">$/.exec(optionBase ?? "")?.[1];
    const variable = socketType ?? variableNames[name] ??
      name[0].toLowerCase() + name.slice(1);

    const declaration = symbol.valueDeclaration?.resolve(this.#project);
    const members = [];
    for (const property of checker.getPropertiesOfType(declared)) {
      const member = this.#member(property, declaration);
      if (member === null) continue;
      if (member.kind === "option") {
        const row = (optionBase ? tables.socket : tables.context)
          .get(member.name);
        // A mapped property (the typed socket options) has no declaration.
        member.declaredIn ??= optionBase ?? name;
        member.summary ||= row?.summary ?? "";
        member.example ||= optionExample(name, variable, member, row?.spec);
      }
      members.push(member);
    }
    // Own members first, then each base's, in declaration order; options
    // (the read-only ones come last from the checker) by name.
    const rank = (member) => depth.get(member.declaredIn) ?? depth.size;
    const key = (member) => member.kind === "option" ? member.name : "";
    members.sort((a, b) =>
      rank(a) - rank(b) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)
    );
    return {
      name,
      chain,
      abstract: Boolean(declaration?.modifierFlags & ModifierFlags.Abstract),
      socket: chain.includes("Socket"),
      members,
    };
  }

  // One member, or null for what users cannot call: #private, protected and
  // @internal members. `where` (the class's declaration) prints the types of
  // the typed socket options, which have no declaration of their own.
  #member(symbol, where) {
    if (symbol.name.startsWith("__#")) return null;
    const readonly = (symbol.checkFlags & CHECK_READONLY) !== 0;
    // Classes share inherited members; each gets its own copy to complete.
    const member = symbol.checkFlags & CHECK_MAPPED
      // A typed socket option: the same in every class that has it, with no
      // doc comment of its own (see #optionTable).
      ? this.#once(`option ${symbol.name} ${readonly}`, () => ({
        name: symbol.name,
        declaredIn: null,
        kind: "option",
        type: this.#typeText(this.#checker.getTypeOfSymbol(symbol), where),
        readonly,
        summary: "",
        example: "",
      }))
      : this.#once(`member ${symbol.id}`, () => this.#declared(symbol));
    return member === null ? null : { ...member };
  }

  #declared(symbol) {
    const checker = this.#checker;
    if (this.#tagged(symbol, "internal")) return null;
    const handle = symbol.valueDeclaration ?? symbol.declarations[0];
    const declaration = handle?.resolve(this.#project);
    const modifiers = declaration?.modifierFlags ?? 0;
    if (modifiers & (ModifierFlags.Private | ModifierFlags.Protected)) {
      return null;
    }
    const parent = symbol.getParent();
    const name = displayName(symbol.name);
    const kind = symbol.flags & SymbolFlags.Method
      ? "method"
      : symbol.flags & SymbolFlags.Accessor
      ? "accessor"
      // Interfaces of ours merged into a class carry its options (Context's).
      : parent !== undefined && parent.flags & SymbolFlags.Interface &&
          this.#inProject(handle)
      ? "option"
      : "property";
    const type = checker.getTypeOfSymbol(symbol);
    const example = this.#tags(symbol).find((tag) => tag.name === "example");
    return {
      name,
      declaredIn: parent?.name ?? null,
      kind,
      type: kind === "method"
        ? checker.getSignaturesOfType(type, SignatureKind.Call)
          .map((signature) =>
            name + this.#signatureText(signature, declaration)
          )
          .join("\n")
        : this.#typeText(type, declaration),
      readonly: kind === "accessor"
        ? (symbol.flags & SymbolFlags.SetAccessor) === 0
        : (modifiers & ModifierFlags.Readonly) !== 0 ||
          (symbol.checkFlags & CHECK_READONLY) !== 0,
      summary: summaryOf(checker.getDocumentationCommentOfSymbol(symbol)),
      example: exampleCode(example?.text ?? ""),
    };
  }

  #inProject(handle) {
    const path = handle?.path ?? "";
    return path.startsWith(this.#root) && !path.includes("/node_modules/");
  }

  // Printed where the member is declared, types read as its source does:
  // OptionName rather than its 77 names, `options?: OperationOptions`
  // without `| undefined`, Uint8Array without <ArrayBufferLike>.
  #typeText(type, declaration) {
    return this.#once(`type ${type.id}`, () => {
      const node = this.#checker.typeToTypeNode(
        type,
        declaration,
        NodeBuilderFlags.None,
      );
      const text = node === undefined
        ? this.#checker.typeToString(type)
        : this.#project.emitter.printNode(node);
      // The default type argument, which mapped types' members spell out.
      return oneLine(text).replace(/\b(\w+Array)<ArrayBufferLike>/g, "$1");
    });
  }

  #signatureText(signature, declaration) {
    return this.#once(`signature ${signature.id}`, () => {
      const node = this.#checker.signatureToSignatureDeclaration(
        signature,
        SyntaxKind.MethodDeclaration,
        declaration,
        NodeBuilderFlags.None,
      );
      return oneLine(this.#project.emitter.printNode(node)).replace(/;$/, "");
    });
  }
}

/** `__@asyncIterator@120` (a well-known symbol key) as `[Symbol.asyncIterator]`. */
function displayName(name) {
  const known = /^__@(\w+)@\d+$/.exec(name);
  return known ? `[Symbol.${known[1]}]` : name;
}

function oneLine(text) {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** The first paragraph of a doc comment, on one line. */
function summaryOf(doc) {
  return oneLine(doc.trim().split(/\n\s*\n/)[0] ?? "");
}

/** The code of an @example tag: its first fenced block, or the whole text. */
function exampleCode(text) {
  const fenced = /```[\w-]*\n([\s\S]*?)```/.exec(text);
  return (fenced ? fenced[1] : text).trim();
}

// The name a class's examples give its instances, where the class name
// lower-cased would not do (socket classes use their type: pull, pub, req).
const variableNames = { Context: "ctx" };

// Sample values (TypeScript source) for options whose table row alone does not
// give a sensible one; each is checked against the row's range.
const samples = {
  affinity: "1n",
  backlog: "100",
  bindToDevice: '"eth0"',
  disconnectMessage: '"bye"',
  gssapiPrincipal: '"client@EXAMPLE.COM"',
  gssapiServicePrincipal: '"zmq/server.example.com@EXAMPLE.COM"',
  helloMessage: '"hello"',
  inBatchSize: "8192",
  ioThreads: "2",
  maxMessageSize: "1048576",
  maxSockets: "4096",
  multicastHops: "8",
  multicastMaxTransportDataUnitSize: "1500",
  outBatchSize: "8192",
  plainPassword: '"secret"',
  plainUsername: '"admin"',
  priority: "1",
  receiveBufferSize: "65536",
  reconnectStop: "1",
  routerNotify: "3",
  routingId: '"worker-1"',
  sendBufferSize: "65536",
  socksPassword: '"secret"',
  socksProxy: '"127.0.0.1:1080"',
  socksUsername: '"user"',
  tcpKeepaliveCount: "5",
  tcpKeepaliveIdle: "60",
  tcpKeepaliveInterval: "10",
  threadPriority: "10",
  threadSchedulingPolicy: "1",
  typeOfService: "16",
  welcomeMessage: '"welcome"',
  zapDomain: '"global"',
};

/** A sample value of an option (TypeScript source), valid for its type and range. */
function sampleValue(name, spec, type) {
  const kind = spec?.type ?? type;
  if (kind === "boolean") return spec?.default === true ? "false" : "true";
  if (kind === "key") {
    return name === "curveServerKey"
      ? "serverKeys.publicKey"
      : name === "curveSecretKey"
      ? "keys.secretKey"
      : "keys.publicKey";
  }
  if (["number", "int64", "bigint"].includes(kind)) {
    const min = spec?.min ?? -Infinity;
    const max = spec?.max ?? Infinity;
    const text = samples[name] ?? String(Math.min(max, Math.max(min, 1000)));
    const value = Number(text.replace(/n$/, ""));
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`the sample value of option ${name} is out of its range`);
    }
    return text;
  }
  if (["string", "binary"].includes(kind)) return samples[name] ?? '"example"';
  throw new Error(
    `no sample value for option ${name} (${kind}): add one to .ci/docs_members.mjs`,
  );
}

/** An option's example: reading it, or setting it both ways (one line). */
function optionExample(className, variable, member, spec) {
  if (member.readonly) return `console.log(${variable}.${member.name});`;
  const value = sampleValue(member.name, spec, member.type);
  const set = `${variable}.${member.name} = ${value}; ` +
    `// or new ${className}({ ${member.name}: ${value} })`;
  if (spec?.type !== "key") return set;
  return (member.name === "curveServerKey"
    ? "const serverKeys = curveKeyPair(); // the server's, given to clients\n"
    : "const keys = curveKeyPair(); // curveKeyPair from the package\n") + set;
}
