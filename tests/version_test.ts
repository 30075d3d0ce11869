/**
 * `deno task version X.Y.Z`: bumps deno.json, metadata.yaml, the Dockerfile
 * labels, CHANGELOG.md and the README together, so the result passes the
 * release's version check; refuses with one sentence and writes nothing
 * otherwise.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import {
  changelogEntry,
  checkRelease,
  RELEASE_FILE_PATHS,
} from "../scripts/release_check.ts";
import { bumpVersion, type VersionedFiles } from "../scripts/version.ts";
import { ROOT, tempDir } from "./_helpers.ts";

const PATHS = { ...RELEASE_FILE_PATHS, readme: "README.md" };
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
/**
 * The files as they stand right after a release: nothing under
 * [Unreleased] yet, whatever the working tree lists there now.
 */
const FILES = Object.fromEntries(
  Object.entries(PATHS).map(([key, path]) => [key, read(path)]),
) as unknown as VersionedFiles;
FILES.changelog = FILES.changelog.replace(
  /^## \[Unreleased\]\n[\s\S]*?(?=^## \[)/m,
  "## [Unreleased]\n\n",
);
const CURRENT: string = JSON.parse(FILES.denoJson).version;
const [MAJOR, MINOR] = CURRENT.split(".").map(Number);
const NEXT = `${MAJOR}.${MINOR + 1}.0`;

/** The files with one change listed under [Unreleased]. */
const WITH_CHANGE: VersionedFiles = {
  ...FILES,
  changelog: FILES.changelog.replace(
    "## [Unreleased]\n",
    "## [Unreleased]\n\n### Fixed\n\n- Something users will notice.\n",
  ),
};

describe("deno task version", () => {
  it("bumps every file the release reads, and the result passes the version check", () => {
    const bumped = bumpVersion(WITH_CHANGE, NEXT, "2027-01-02");
    assert.deepEqual(checkRelease(bumped, `v${NEXT}`).problems, []);
    assert.equal(JSON.parse(bumped.denoJson).version, NEXT);
    assert.match(
      bumped.metadata,
      new RegExp(`^  dockerImageTag: ${NEXT}$`, "m"),
    );
    assert.match(
      bumped.dockerfile,
      new RegExp(`^LABEL io\\.airbyte\\.version=${NEXT}$`, "m"),
    );
    assert.ok(bumped.readme.includes(`source-aircall:${NEXT}`));
    assert.ok(!bumped.readme.includes(`source-aircall:${CURRENT}`));
    // Only the version changed in deno.json, metadata.yaml and the Dockerfile.
    for (const key of ["denoJson", "metadata", "dockerfile"] as const) {
      assert.equal(bumped[key].replaceAll(NEXT, CURRENT), FILES[key], key);
    }
  });

  it("turns what is under [Unreleased] into the new version's dated entry, with its compare link", () => {
    const bumped = bumpVersion(WITH_CHANGE, NEXT, "2027-01-02");
    assert.deepEqual(changelogEntry(bumped.changelog, NEXT), {
      date: "2027-01-02",
      body: "### Fixed\n\n- Something users will notice.",
    });
    assert.deepEqual(changelogEntry(bumped.changelog, "Unreleased"), {
      date: "",
      body: "",
    });
    assert.deepEqual(
      changelogEntry(bumped.changelog, CURRENT),
      changelogEntry(FILES.changelog, CURRENT),
    );
    assert.match(
      bumped.changelog,
      new RegExp(
        `^\\[Unreleased\\]: https://github\\.com/\\S+/compare/v${NEXT}\\.\\.\\.HEAD\n` +
          `\\[${NEXT}\\]: https://github\\.com/\\S+/compare/v${CURRENT}\\.\\.\\.v${NEXT}$`,
        "m",
      ),
    );
  });

  it("refuses, in one sentence, what would make a wrong release", () => {
    const cases: [string, VersionedFiles, string, RegExp][] = [
      ["not x.y.z", WITH_CHANGE, "1.2", /^Give the new version as x\.y\.z/],
      ["a prefix", WITH_CHANGE, `v${NEXT}`, /^Give the new version as x\.y\.z/],
      [
        "the same version",
        WITH_CHANGE,
        CURRENT,
        /is not above the current version/,
      ],
      [
        "an older version",
        WITH_CHANGE,
        "0.0.1",
        /is not above the current version/,
      ],
      [
        "nothing under [Unreleased]",
        FILES,
        NEXT,
        /^CHANGELOG\.md lists nothing under "## \[Unreleased\]"/,
      ],
      [
        "no version label",
        {
          ...WITH_CHANGE,
          dockerfile: WITH_CHANGE.dockerfile.replace(
            /^LABEL io\.airbyte\.version=.*\n/m,
            "",
          ),
        },
        NEXT,
        /^Dockerfile: expected the current version once, found it 0 times/,
      ],
      [
        "no [Unreleased] link",
        {
          ...WITH_CHANGE,
          changelog: WITH_CHANGE.changelog.replace(
            /^\[Unreleased\]: .*\n/m,
            "",
          ),
        },
        NEXT,
        /^CHANGELOG\.md has no "\[Unreleased\]: <repository>\/compare\/v/,
      ],
      [
        "an image label that disagrees",
        {
          ...WITH_CHANGE,
          dockerfile: WITH_CHANGE.dockerfile.replace(
            /io\.airbyte\.name=.*/,
            "io.airbyte.name=other",
          ),
        },
        NEXT,
        /io\.airbyte\.name label other is not metadata\.yaml's dockerRepository/,
      ],
    ];
    for (const [what, files, version, reason] of cases) {
      assert.throws(
        () => bumpVersion(files, version, "2027-01-02"),
        { message: reason },
        what,
      );
    }
  });

  it("runs as the task says: writes the files from the repository root, or nothing with exit code 1 or 2", () => {
    const task = JSON.parse(FILES.denoJson).tasks.version.command as string;
    const dir = tempDir();
    for (const path of Object.values(PATHS)) {
      copyFileSync(join(ROOT, path), join(dir, path));
    }
    writeFileSync(join(dir, PATHS.changelog), FILES.changelog);
    // The task's own command, run in a copy (the imports resolve from this repository).
    const [, ...flags] = task.split(" ").slice(1, -1);
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [
        "run",
        `--config=${join(ROOT, "deno.json")}`,
        ...flags,
        join(ROOT, "scripts/version.ts"),
        ...args,
      ], { cwd: dir, encoding: "utf8" });
    const before = readFileSync(join(dir, "CHANGELOG.md"), "utf8");
    const empty = run(NEXT);
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /^CHANGELOG\.md lists nothing under/);
    assert.equal(readFileSync(join(dir, "CHANGELOG.md"), "utf8"), before);
    assert.equal(run().status, 2);
    writeFileSync(join(dir, "CHANGELOG.md"), WITH_CHANGE.changelog);
    const done = run(NEXT, "--date", "2027-01-02");
    assert.equal(done.status, 0, done.stderr);
    assert.equal(done.stdout, "");
    assert.match(done.stderr, new RegExp(`tag v${NEXT} and push the tag`));
    const expected = bumpVersion(WITH_CHANGE, NEXT, "2027-01-02");
    for (const [key, path] of Object.entries(PATHS)) {
      assert.equal(
        readFileSync(join(dir, path), "utf8"),
        expected[key as keyof VersionedFiles],
        path,
      );
    }
  });
});
