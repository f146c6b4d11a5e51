#!/usr/bin/env bash
# Finds what the reference oracle tests need (child/extract/refenv_test.go):
# a copy of the reference project (TeamPew/pewstats-collectors) and a CPython
# 3.12. Prints `export` lines for the Makefile to eval; says on stderr what
# it found. Without the reference or without 3.12 it exports nothing and the
# oracle tests skip, each with a message saying so (CI machines without the
# reference get the frozen dumps and goldens only; docs/PARITY.md, "What CI
# checks").
#
#   PEWSTATS_REF        use this checkout as is (nothing is looked up)
#   PEWSTATS_REF_GIT    a git directory of the reference
#                       (default /work/.mirror/TeamPew+pewstats-collectors/repo);
#                       its HEAD's src/ is extracted once, outside this repo,
#                       into PEWSTATS_REF_CACHE (default $TMPDIR/pewstats-ref)
#   PEWSTATS_PYTHON     use this interpreter as is (the tests check it is 3.12)
set -u

say() { echo "reference oracle: $*" >&2; }
# POSIX single quotes: the Makefile's /bin/sh evals this.
emit() { printf "export %s='%s'\n" "$1" "${2//\'/\'\\\'\'}"; }

ref=${PEWSTATS_REF:-}
if [ -z "$ref" ]; then
  git_dir=${PEWSTATS_REF_GIT:-/work/.mirror/TeamPew+pewstats-collectors/repo}
  if ! commit=$(git -C "$git_dir" rev-parse --verify -q 'HEAD^{commit}' 2>/dev/null); then
    say "SKIPPED: no reference found (looked for a git directory at $git_dir; set PEWSTATS_REF to a checkout of TeamPew/pewstats-collectors or PEWSTATS_REF_GIT to its git directory)"
    exit 0
  fi
  cache=${PEWSTATS_REF_CACHE:-${TMPDIR:-/tmp}/pewstats-ref}
  ref=$cache/$commit
  if [ ! -d "$ref/src/pewstats_collectors" ]; then
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/.extract.XXXXXX")
    # Only src/ is needed; archiving the tree:path form also avoids the
    # top-level files a partial mirror may lack.
    if ! git -C "$git_dir" archive --prefix=src/ "$commit:src" | tar -x -C "$tmp"; then
      rm -rf "$tmp"
      say "SKIPPED: could not extract src/ of $commit from $git_dir"
      exit 0
    fi
    # Another run may have extracted it meanwhile: keep theirs.
    mv -T "$tmp" "$ref" 2>/dev/null || rm -rf "$tmp"
  fi
fi

is312() {
  "$1" -c 'import platform, sys; sys.exit(0 if (platform.python_implementation(), sys.version_info[:2]) == ("CPython", (3, 12)) else 1)' >/dev/null 2>&1
}

py=${PEWSTATS_PYTHON:-}
if [ -z "$py" ]; then
  # A pyenv shim named python3.12 exists but fails unless 3.12 is selected,
  # so every candidate is run, and pyenv's own installs are tried directly.
  candidates=(python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12)
  if root=$(pyenv root 2>/dev/null); then
    while IFS= read -r c; do candidates+=("$c"); done < <(ls -d "$root"/versions/3.12*/bin/python3.12 2>/dev/null | sort -rV)
  fi
  for c in "${candidates[@]}"; do
    if is312 "$c"; then py=$c; break; fi
  done
  if [ -z "$py" ]; then
    say "SKIPPED: the reference is at $ref but no CPython 3.12 was found (set PEWSTATS_PYTHON; 3.11's sum() differs, so another version cannot stand in)"
    exit 0
  fi
fi

say "PEWSTATS_REF=$ref PEWSTATS_PYTHON=$py"
emit PEWSTATS_REF "$ref"
emit PEWSTATS_PYTHON "$py"
