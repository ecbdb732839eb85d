/**
 * Finds the Java runtime and resolves a Kafka broker's classpath with Maven.
 *
 * The broker jars come from Maven Central as `org.apache.kafka:kafka_2.13:<version>` plus a
 * logging backend (the Kafka POM brings none that binds slf4j). A tiny POM is generated in the
 * cache directory, `mvn dependency:build-classpath` (plugin version pinned) writes the classpath,
 * and the result is cached per version so Maven runs once per machine and version.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { FirebreakError } from '../../src/errors.ts';

/** Repository root (two levels above this file). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** Default cache of resolved classpaths: `.cache/kafka/<version>/` (git-ignored). */
export const DEFAULT_CACHE_DIR = join(REPO_ROOT, '.cache', 'kafka');

/** Pinned so the build is reproducible whatever Maven's defaults are. */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

/**
 * Kafka 3.x logs through slf4j 1.7 and log4j 1 properties: reload4j is the maintained log4j 1.
 * Kafka 4.x still uses slf4j-api 1.7.36 but ships log4j2; the slf4j 1.x binding for log4j2 is
 * `log4j-slf4j-impl` (not `-slf4j2-`), pinned together with `log4j-core` of the same version.
 */
const LOG4J2_VERSION = '2.25.3';

/** Which logging backend a Kafka version runs with. */
export type LoggingFlavor = 'log4j1' | 'log4j2';

export interface KafkaVersion {
  text: string;
  major: number;
  minor: number;
  patch: number;
  logging: LoggingFlavor;
}

/** Validates a Kafka version string; only KRaft-capable releases (3.3 and later) are accepted. */
export function parseKafkaVersion(text: string): KafkaVersion {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (m === null) {
    throw new FirebreakError(
      'KAFKA_LOCAL_VERSION_INVALID',
      `"${text}" is not a Kafka release version (expected X.Y.Z, e.g. 3.9.1 or 4.1.2)`,
      { details: { version: text } },
    );
  }
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major < 3 || (major === 3 && minor < 3)) {
    throw new FirebreakError(
      'KAFKA_LOCAL_VERSION_INVALID',
      `Kafka ${text} is too old: combined KRaft nodes need 3.3 or later`,
      { details: { version: text } },
    );
  }
  return { text, major, minor, patch, logging: major >= 4 ? 'log4j2' : 'log4j1' };
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command, capturing stdout+stderr together; rejects only when it cannot start. */
function run(command: string, args: string[], cwd?: string): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** Checks that `java` 17 or later is on the PATH; fails with what to install otherwise. */
export async function checkJava(): Promise<number> {
  let result: RunResult;
  try {
    result = await run('java', ['-version']);
  } catch (cause) {
    throw new FirebreakError(
      'KAFKA_LOCAL_JAVA_MISSING',
      'java was not found on the PATH: install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)',
      { cause },
    );
  }
  const m = /version "(\d+)(?:\.(\d+))?/.exec(result.output);
  const major = m === null ? NaN : Number(m[1]) === 1 ? Number(m[2]) : Number(m[1]);
  if (!(major >= 17)) {
    throw new FirebreakError(
      'KAFKA_LOCAL_JAVA_MISSING',
      `java on the PATH is not Java 17+ (${result.output.split('\n')[0]?.trim() ?? 'no version'}): ` +
        'install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)',
      { details: { javaVersion: result.output.split('\n')[0] ?? '' } },
    );
  }
  return major;
}

/**
 * The generated POM: the broker, the logging backend its major version needs, and `extras`
 * (Maven coordinates `group:artifact:version`, e.g. a broker plugin such as a quota callback).
 */
export function renderPom(version: KafkaVersion, extras: readonly string[] = []): string {
  const dep = (g: string, a: string, v: string): string =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  const logging =
    version.logging === 'log4j1'
      ? [dep('org.slf4j', 'slf4j-reload4j', '1.7.36')]
      : [
          dep('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J2_VERSION),
          dep('org.apache.logging.log4j', 'log4j-core', LOG4J2_VERSION),
        ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!-- Generated by scripts/kafka/classpath.ts to resolve a local Kafka broker; safe to delete. -->',
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>local.firebreak</groupId>',
    `  <artifactId>kafka-broker-${version.text}</artifactId>`,
    '  <version>0</version>',
    '  <packaging>pom</packaging>',
    '  <dependencies>',
    dep('org.apache.kafka', 'kafka_2.13', version.text),
    ...logging,
    ...extras.map((coordinate) => {
      const [g, a, v] = parseCoordinate(coordinate);
      return dep(g, a, v);
    }),
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n');
}

/** `group:artifact:version` split in three; KAFKA_LOCAL_BAD_OPTIONS for anything else. */
export function parseCoordinate(coordinate: string): [string, string, string] {
  const parts = coordinate.split(':');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9._-]+$/.test(p))) {
    throw new FirebreakError('KAFKA_LOCAL_BAD_OPTIONS', `"${coordinate}" is not a Maven coordinate group:artifact:version`, {
      details: { coordinate },
    });
  }
  return parts as [string, string, string];
}

/**
 * The cache directory of one classpath: `<version>` for the broker alone, `<version>+<extras>`
 * (artifact ids and versions, sorted) when extra artifacts join it.
 */
export function classpathDirName(version: KafkaVersion, extras: readonly string[] = []): string {
  if (extras.length === 0) return version.text;
  const tags = extras.map((c) => parseCoordinate(c)).map(([, a, v]) => `${a}-${v}`).sort();
  return `${version.text}+${tags.join('+')}`;
}

/**
 * Returns the broker classpath entries for `version` (plus `extras`, Maven coordinates), resolving
 * them with Maven on first use and reading `<cacheDir>/<version>[+extras]/classpath.txt`
 * afterwards (re-resolving if a jar went missing, e.g. after the Maven repository was cleaned).
 */
export async function resolveClasspath(
  version: KafkaVersion,
  options: { cacheDir?: string; log?: (msg: string) => void; extras?: readonly string[] } = {},
): Promise<{ entries: string[]; file: string }> {
  const extras = options.extras ?? [];
  const dir = join(options.cacheDir ?? DEFAULT_CACHE_DIR, classpathDirName(version, extras));
  const file = join(dir, 'classpath.txt');
  if (existsSync(file)) {
    const entries = splitClasspath(await readFile(file, 'utf8'));
    if (entries.length > 0 && entries.every((e) => existsSync(e))) return { entries, file };
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'pom.xml'), renderPom(version, extras));
  options.log?.(`resolving Kafka ${version.text} jars${extras.length === 0 ? '' : ` with ${extras.join(', ')}`} with Maven (once per version)...`);
  const tmp = `${file}.${process.pid}.tmp`;
  let result: RunResult;
  try {
    result = await run(
      'mvn',
      ['-q', '-B', '-Dstyle.color=never', `${DEPENDENCY_PLUGIN}:build-classpath`, `-Dmdep.outputFile=${tmp}`],
      dir,
    );
  } catch (cause) {
    throw new FirebreakError(
      'KAFKA_LOCAL_MAVEN_MISSING',
      'mvn was not found on the PATH: install Apache Maven 3.6+ (Debian: apt-get install maven)',
      { cause },
    );
  }
  if (result.code !== 0) throw mavenError(version, stripAnsi(result.output));
  await rename(tmp, file);
  const entries = splitClasspath(await readFile(file, 'utf8'));
  return { entries, file };
}

/** Kafka's command-line tools (`org.apache.kafka.tools.ProducerPerformance`...): an extra artifact of the broker classpath. */
export function kafkaToolsArtifact(version: KafkaVersion): string {
  return `org.apache.kafka:kafka-tools:${version.text}`;
}

/** The Prometheus JMX exporter's Java agent, pinned (later releases are not on Maven Central). */
export const JMX_EXPORTER_VERSION = '1.0.1';

/**
 * Path of the Prometheus JMX exporter agent jar
 * (`io.prometheus.jmx:jmx_prometheus_javaagent:${JMX_EXPORTER_VERSION}`), copied by Maven into
 * `<cacheDir>/jmx-exporter/` on first use.
 */
export async function resolveJmxExporterAgent(options: { cacheDir?: string; log?: (msg: string) => void } = {}): Promise<string> {
  const dir = join(options.cacheDir ?? DEFAULT_CACHE_DIR, 'jmx-exporter');
  const jar = join(dir, `jmx_prometheus_javaagent-${JMX_EXPORTER_VERSION}.jar`);
  if (existsSync(jar)) return jar;
  await mkdir(dir, { recursive: true });
  options.log?.(`resolving the Prometheus JMX exporter agent ${JMX_EXPORTER_VERSION} with Maven (once)...`);
  let result: RunResult;
  try {
    result = await run(
      'mvn',
      ['-q', '-B', '-Dstyle.color=never', `${DEPENDENCY_PLUGIN}:copy`, `-Dartifact=io.prometheus.jmx:jmx_prometheus_javaagent:${JMX_EXPORTER_VERSION}`, `-DoutputDirectory=${dir}`],
      dir,
    );
  } catch (cause) {
    throw new FirebreakError('KAFKA_LOCAL_MAVEN_MISSING', 'mvn was not found on the PATH: install Apache Maven 3.6+ (Debian: apt-get install maven)', { cause });
  }
  if (result.code !== 0 || !existsSync(jar)) {
    throw new FirebreakError('KAFKA_LOCAL_RESOLVE_FAILED', `Maven could not resolve io.prometheus.jmx:jmx_prometheus_javaagent:${JMX_EXPORTER_VERSION}`, {
      retriable: true,
      details: { maven: stripAnsi(result.output).slice(-4000) },
    });
  }
  return jar;
}

function splitClasspath(text: string): string[] {
  return text
    .trim()
    .split(delimiter)
    .filter((e) => e.length > 0);
}

/** Entries of a cached classpath file; empty if it is gone (then starting a node fails clearly). */
export async function readClasspathFile(file: string): Promise<string[]> {
  return readFile(file, 'utf8').then(splitClasspath, () => []);
}

/** Tells "this version does not exist" apart from "Maven could not download right now". */
function mavenError(version: KafkaVersion, output: string): FirebreakError {
  const firstError = output.split('\n').find((l) => l.startsWith('[ERROR]')) ?? output.trim().split('\n')[0] ?? '';
  const coordinate = `org.apache.kafka:kafka_2.13:jar:${version.text}`;
  const missing =
    output.includes(coordinate) && /Could not find artifact|was not found in|could not be resolved/.test(output);
  if (missing) {
    return new FirebreakError(
      'KAFKA_LOCAL_VERSION_NOT_FOUND',
      `Kafka ${version.text} is not published as org.apache.kafka:kafka_2.13:${version.text} ` +
        '(check the version number, e.g. 3.9.1 or 4.1.2)',
      { details: { version: version.text, maven: firstError } },
    );
  }
  return new FirebreakError(
    'KAFKA_LOCAL_RESOLVE_FAILED',
    `Maven could not resolve Kafka ${version.text}: ${firstError.replace(/^\[ERROR\]\s*/, '')}`,
    { retriable: true, details: { version: version.text, maven: output.slice(-4000) } },
  );
}
