/**
 * The release's version check: a `v*` tag publishes only when it is
 * `deno.json`'s version and `metadata.yaml`, the Dockerfile's `io.airbyte.*`
 * labels and `CHANGELOG.md` all say the same (the first job of
 * `.github/workflows/release.yml` runs it; `deno task version` keeps them
 * together).
 *
 * Usage, from the repository root:
 * `deno run --allow-read --allow-env=LOG_TOKENS,LOG_STREAM scripts/release_check.ts --tag vX.Y.Z --owner OWNER`
 * prints `version=`, `image=` and `push_image=` lines (the job's outputs)
 * and exits 0, or prints one reason per line on stderr and exits 1.
 * `--notes` prints the tag's changelog entry instead (the release notes).
 *
 * @module
 */

import { join } from "node:path";
import { parse as parseYaml } from "yaml";

/** The texts of the files a release's version and image names come from. */
export interface ReleaseFiles {
  /** `deno.json` */
  denoJson: string;
  /** `metadata.yaml` */
  metadata: string;
  /** `Dockerfile` */
  dockerfile: string;
  /** `CHANGELOG.md` */
  changelog: string;
}

/** Where each of {@linkcode ReleaseFiles} lives, from the repository root. */
export const RELEASE_FILE_PATHS: Readonly<Record<keyof ReleaseFiles, string>> =
  {
    denoJson: "deno.json",
    metadata: "metadata.yaml",
    dockerfile: "Dockerfile",
    changelog: "CHANGELOG.md",
  };

/**
 * Reads the release files.
 *
 * @param root The repository root.
 * @returns Their texts.
 */
export async function readReleaseFiles(root: string): Promise<ReleaseFiles> {
  const entries = await Promise.all(
    Object.entries(RELEASE_FILE_PATHS).map(async ([key, path]) =>
      [key, await Deno.readTextFile(join(root, path))] as const
    ),
  );
  return Object.fromEntries(entries) as unknown as ReleaseFiles;
}

/** A released version: `x.y.z`. */
export const VERSION_PATTERN: RegExp = /^\d+\.\d+\.\d+$/;

/**
 * The image a repository owner may push: GitHub's container registry takes
 * lower-case names only.
 *
 * @param owner The GitHub owner (user or organisation).
 * @returns `ghcr.io/<owner>/source-aircall`.
 */
export function imageFor(owner: string): string {
  return `ghcr.io/${owner.toLowerCase()}/source-aircall`;
}

/**
 * The Dockerfile's instructions, continuation lines joined, comments dropped.
 *
 * @param dockerfile The Dockerfile's text.
 * @returns `[KEYWORD, arguments]` pairs in order.
 */
export function dockerInstructions(dockerfile: string): [string, string][] {
  return dockerfile.replace(/\\\n/g, " ").split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const space = line.indexOf(" ");
      return [line.slice(0, space).toUpperCase(), line.slice(space + 1).trim()];
    });
}

/**
 * The Dockerfile's `LABEL key=value` pairs.
 *
 * @param dockerfile The Dockerfile's text.
 * @returns Labels by key.
 */
export function dockerLabels(dockerfile: string): Record<string, string> {
  return Object.fromEntries(
    dockerInstructions(dockerfile).filter(([keyword]) => keyword === "LABEL")
      .map(([, label]) => {
        const equals = label.indexOf("=");
        return [label.slice(0, equals), label.slice(equals + 1)];
      }),
  );
}

/**
 * One version's entry of a Keep a Changelog file.
 *
 * @param changelog The changelog's text.
 * @param version A version, or `Unreleased`.
 * @returns The heading's date (empty for Unreleased) and the body, or
 * undefined when there is no such entry.
 */
export function changelogEntry(
  changelog: string,
  version: string,
): { date: string; body: string } | undefined {
  const lines = changelog.split("\n");
  const start = lines.findIndex((line) => line.startsWith(`## [${version}]`));
  if (start < 0) return undefined;
  const end = lines.findIndex((line, i) =>
    i > start && (line.startsWith("## ") || /^\[[^\]]+\]: /.test(line))
  );
  const date = lines[start].match(/^## \[[^\]]+\] - (\d{4}-\d{2}-\d{2})$/);
  return {
    date: date?.[1] ?? "",
    body: lines.slice(start + 1, end < 0 ? undefined : end).join("\n").trim(),
  };
}

/** What the version check found in the release files. */
export interface ReleaseFacts {
  /** `deno.json`'s version. */
  version: string;
  /** `metadata.yaml`'s `dockerRepository`: the image the release pushes. */
  image: string;
}

/**
 * Every way the release files disagree with each other or with the tag.
 *
 * @param files The release files.
 * @param tag The git tag being released (`vX.Y.Z`).
 * @returns The facts, and one sentence per problem (none when all agree).
 */
export function checkRelease(
  files: ReleaseFiles,
  tag: string,
): ReleaseFacts & { problems: string[] } {
  const problems: string[] = [];
  const version = String(JSON.parse(files.denoJson).version);
  const metadata = parseYaml(files.metadata)?.data ?? {};
  const image = String(metadata.dockerRepository);
  const labels = dockerLabels(files.dockerfile);
  const fix =
    "deno task version bumps deno.json, metadata.yaml, the Dockerfile labels and CHANGELOG.md together";
  if (!VERSION_PATTERN.test(version)) {
    problems.push(`deno.json's version "${version}" is not x.y.z.`);
  }
  if (tag !== `v${version}`) {
    problems.push(
      `The tag ${tag} is not deno.json's version v${version}: tag the commit whose deno.json has the version to release (${fix}).`,
    );
  }
  if (String(metadata.dockerImageTag) !== version) {
    problems.push(
      `metadata.yaml's dockerImageTag ${metadata.dockerImageTag} is not deno.json's version ${version} (${fix}).`,
    );
  }
  if (labels["io.airbyte.version"] !== version) {
    problems.push(
      `The Dockerfile's io.airbyte.version label ${
        labels["io.airbyte.version"]
      } is not deno.json's version ${version} (${fix}).`,
    );
  }
  if (labels["io.airbyte.name"] !== image) {
    problems.push(
      `The Dockerfile's io.airbyte.name label ${
        labels["io.airbyte.name"]
      } is not metadata.yaml's dockerRepository ${image}: make them the same.`,
    );
  }
  if (!/^ghcr\.io\/[a-z0-9-]+\/source-aircall$/.test(image)) {
    problems.push(
      `metadata.yaml's dockerRepository ${image} is not an image the release pushes (ghcr.io/<owner>/source-aircall, lower case).`,
    );
  }
  const entry = changelogEntry(files.changelog, version);
  if (!entry?.date || !entry.body) {
    problems.push(
      `CHANGELOG.md has no dated entry with changes for ${version} ("## [${version}] - YYYY-MM-DD"): ${fix}.`,
    );
  }
  return { version, image, problems };
}

function _option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

if (import.meta.main) {
  const tag = _option(Deno.args, "--tag");
  const owner = _option(Deno.args, "--owner");
  if (!tag || !owner) {
    console.error(
      "Usage: release_check.ts --tag vX.Y.Z --owner OWNER [--notes]",
    );
    Deno.exit(2);
  }
  const files = await readReleaseFiles(Deno.cwd());
  const { version, image, problems } = checkRelease(files, tag);
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) Deno.exit(1);
  if (Deno.args.includes("--notes")) {
    console.log(changelogEntry(files.changelog, version)!.body);
  } else {
    console.log(`version=${version}`);
    console.log(`image=${image}`);
    console.log(`push_image=${imageFor(owner) === image}`);
  }
}
