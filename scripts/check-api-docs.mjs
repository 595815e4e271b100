#!/usr/bin/env node
// The API reference check of `npm test`: TypeDoc converts and validates the reference (typedoc.json)
// without writing it, with every validation on, and the step fails on any warning or error but one
// kind. That covers broken {@link}s, every exported declaration and member of the public entries
// without a doc comment, and an entry without its `@module matrix-widget-kit/…` tag.
//
// The one kind let through: members of anonymous object types that TypeScript infers, such as the
// request and response shapes of each action descriptor, which valibot's types spell out property
// by property (TypeDoc names them `…__type.…`). Their schemas are documented where they are
// written, and a comment per inferred property would repeat the schema's own field names.
//
// TypeDoc runs in this process, its messages collected by a logger of our own: its command line
// exits before a long piped output is flushed, which loses warnings at random.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Application, Logger, LogLevel, PackageJsonReader, TSConfigReader, TypeDocReader } from "typedoc";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

/** Keeps every message at or above Warn instead of printing it; TypeDoc's counts still count. */
class CollectingLogger extends Logger {
  messages = [];
  log(message, level) {
    super.log(message, level);
    if (level >= LogLevel.Warn) this.messages.push({ message, level });
  }
}

const app = await Application.bootstrapWithPlugins(
  {
    validation: { notExported: false, invalidLink: true, notDocumented: true },
    treatWarningsAsErrors: false,
  },
  [new TypeDocReader(), new PackageJsonReader(), new TSConfigReader()],
);
const logger = new CollectingLogger();
app.logger = logger;

const project = await app.convert();
if (project) app.validate(project);

// Without a `@module` tag TypeDoc gives an entry's comment to its first export, and says nothing.
const entries = JSON.parse(readFileSync(join(root, "typedoc.json"), "utf8")).entryPoints;
for (const entry of entries) {
  const name = `matrix-widget-kit/${entry.replace(/^src\//, "").replace(/\/index\.ts$/, "")}`;
  if (!readFileSync(join(root, entry), "utf8").includes(`@module ${name}\n`)) {
    logger.messages.push({
      message: `${entry} has no "@module ${name}" tag in its comment`,
      level: LogLevel.Error,
    });
  }
}

const inferred = ({ message, level }) =>
  level === LogLevel.Warn &&
  message.includes(".__type.") &&
  message.includes("does not have any documentation");
const problems = logger.messages.filter((entry) => !inferred(entry));
for (const { message, level } of problems)
  console.log(`${level >= LogLevel.Error ? "error" : "warning"}: ${message}`);
const letThrough = logger.messages.length - problems.length;
console.log(
  `API reference: ${problems.length} ${problems.length === 1 ? "problem" : "problems"}` +
    ` (${letThrough} undocumented members of inferred object types let through)`,
);
if (!project) console.log("TypeDoc could not convert the project.");
process.exit(project && problems.length === 0 ? 0 : 1);
