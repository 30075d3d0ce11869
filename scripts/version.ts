/**
 * `deno task version X.Y.Z`: bumps the version everywhere a release reads it,
 * together: `deno.json`, `metadata.yaml`'s `dockerImageTag`, the Dockerfile's
 * `io.airbyte.version` label, `CHANGELOG.md` (what is under `[Unreleased]`
 * becomes the new version's entry) and the README's image tag and package
 * file name. Nothing is written unless every file could be bumped and the
 * result passes the release's version check.
 *
 * Usage, from the repository root: `deno task version X.Y.Z [--date YYYY-MM-DD]`
 * (the date defaults to today, UTC).
 *
 * @module
 */

import { join } from "node:path";
import {
  changelogEntry,
  checkRelease,
  readReleaseFiles,
  RELEASE_FILE_PATHS,
  type ReleaseFiles,
  VERSION_PATTERN,
} from "./release_check.ts";

/** The files `deno task version` rewrites: the release files and the README. */
export interface VersionedFiles extends ReleaseFiles {
  /** `README.md` */
  readme: string;
}

function _parts(version: string): number[] {
  return version.split(".").map(Number);
}

function _isAbove(next: string, current: string): boolean {
  const [a, b] = [_parts(next), _parts(current)];
  const first = a.findIndex((part, i) => part !== b[i]);
  return first >= 0 && a[first] > b[first];
}

function _replaceOnce(
  text: string,
  pattern: RegExp,
  replacement: string,
  where: string,
): string {
  const matches = text.match(new RegExp(pattern, "gm"))?.length ?? 0;
  if (matches !== 1) {
    throw new Error(
      `${where}: expected the current version once, found it ${matches} times; fix the file by hand, then run deno task version again.`,
    );
  }
  return text.replace(new RegExp(pattern, "m"), replacement);
}

function _escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The files with the version bumped.
 *
 * @param files The current files.
 * @param next The new version, `x.y.z`, above the current one.
 * @param date The release date for the changelog, `YYYY-MM-DD`.
 * @returns The new texts.
 * @throws {Error} With one sentence saying what to fix, when a file cannot be bumped.
 */
export function bumpVersion(
  files: VersionedFiles,
  next: string,
  date: string,
): VersionedFiles {
  if (!VERSION_PATTERN.test(next)) {
    throw new Error(
      `Give the new version as x.y.z (e.g. 1.2.3), not "${next}".`,
    );
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    throw new Error(`Give the date as YYYY-MM-DD, not "${date}".`);
  }
  const current = String(JSON.parse(files.denoJson).version);
  if (!_isAbove(next, current)) {
    throw new Error(
      `The new version ${next} is not above the current version ${current}.`,
    );
  }
  const unreleased = changelogEntry(files.changelog, "Unreleased");
  if (!unreleased?.body) {
    throw new Error(
      `CHANGELOG.md lists nothing under "## [Unreleased]": write what changed in ${next} there first.`,
    );
  }
  const old = _escape(current);
  const link = files.changelog.match(
    /^\[Unreleased\]: (\S+)\/compare\/v(\S+)\.\.\.HEAD$/m,
  );
  if (!link || link[2] !== current) {
    throw new Error(
      `CHANGELOG.md has no "[Unreleased]: <repository>/compare/v${current}...HEAD" link; add it.`,
    );
  }
  const repository = link[1];
  const bumped: VersionedFiles = {
    denoJson: _replaceOnce(
      files.denoJson,
      new RegExp(`^(\\s*"version": ")${old}(")`),
      `$1${next}$2`,
      RELEASE_FILE_PATHS.denoJson,
    ),
    metadata: _replaceOnce(
      files.metadata,
      new RegExp(`^(\\s*dockerImageTag: )"?${old}"?$`),
      `$1${next}`,
      RELEASE_FILE_PATHS.metadata,
    ),
    dockerfile: _replaceOnce(
      files.dockerfile,
      new RegExp(`^(LABEL io\\.airbyte\\.version=)${old}$`),
      `$1${next}`,
      RELEASE_FILE_PATHS.dockerfile,
    ),
    changelog: files.changelog
      .replace(
        "## [Unreleased]\n",
        `## [Unreleased]\n\n## [${next}] - ${date}\n`,
      )
      .replace(
        link[0],
        `[Unreleased]: ${repository}/compare/v${next}...HEAD\n` +
          `[${next}]: ${repository}/compare/v${current}...v${next}`,
      ),
    readme: files.readme
      .replaceAll(`source-aircall:${current}`, `source-aircall:${next}`)
      .replaceAll(
        `airbyte-source-aircall-${current}.tgz`,
        `airbyte-source-aircall-${next}.tgz`,
      ),
  };
  const { problems } = checkRelease(bumped, `v${next}`);
  if (problems.length > 0) throw new Error(problems.join(" "));
  return bumped;
}

if (import.meta.main) {
  const [next] = Deno.args;
  const dateIndex = Deno.args.indexOf("--date");
  const date = dateIndex >= 0
    ? Deno.args[dateIndex + 1]
    : new Date().toISOString().slice(0, 10);
  if (!next || next.startsWith("-")) {
    console.error("Usage: deno task version X.Y.Z [--date YYYY-MM-DD]");
    Deno.exit(2);
  }
  const root = Deno.cwd();
  const paths = { ...RELEASE_FILE_PATHS, readme: "README.md" };
  const files: VersionedFiles = {
    ...await readReleaseFiles(root),
    readme: await Deno.readTextFile(join(root, paths.readme)),
  };
  let bumped: VersionedFiles;
  try {
    bumped = bumpVersion(files, next, date);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
  for (const [key, path] of Object.entries(paths)) {
    const name = key as keyof VersionedFiles;
    if (bumped[name] !== files[name]) {
      await Deno.writeTextFile(join(root, path), bumped[name]);
    }
  }
  console.error(
    `Version ${next} in ${
      Object.values(paths).join(", ")
    }. Review and commit, then tag v${next} and push the tag to release.`,
  );
}
