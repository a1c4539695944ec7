#!/usr/bin/env bash
# Seed each fuzz target's corpus (fuzz/corpus/<target>/, not committed) from fixtures/ and from
# the committed crash inputs. Run from the repository root.
#
# Seeds are named by the hash of their content, so fixtures that share a file name (every
# `deploy.yml`) are all kept, and running the script twice adds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

# add <target> <file>...: copy each file into the target's corpus under its content hash.
add() {
    local target=$1; shift
    local file hash
    for file in "$@"; do
        hash=$(sha1sum "$file" | cut -c1-16)
        cp "$file" "fuzz/corpus/$target/$hash"
    done
}

# seed <target> <find predicates>: the fixtures the predicates select, plus the target's
# committed crash inputs.
seed() {
    local target=$1; shift
    mkdir -p "fuzz/corpus/$target"
    local -a files=()
    mapfile -d '' files < <(find fixtures -type f '(' "$@" ')' -not -path 'fixtures/fuzz-regressions/*' -print0)
    if [ -d "fixtures/fuzz-regressions/$target" ]; then
        mapfile -d '' -O "${#files[@]}" files < <(find "fixtures/fuzz-regressions/$target" -type f -print0)
    fi
    if [ "${#files[@]}" -gt 0 ]; then
        add "$target" "${files[@]}"
    fi
}

seed json_reader -name '*.json' -o -name '*.tpl'
seed yaml_reader -name '*.yaml' -o -name '*.yml' -o -name '*.template'
seed cloudformation '(' -name '*.json' -o -name '*.yaml' -o -name '*.yml' -o -name '*.template' ')' -not -path '*workflows*'
seed typescript -name '*.ts' -o -name '*.js'
seed python -name '*.py'
seed github_actions -path '*.github/workflows/*' '(' -name '*.yml' -o -name '*.yaml' ')'
seed gitlab_ci -name '*gitlab*'
seed stack_config_esc -name 'Pulumi*.yaml' -o -name '*esc*' -o -name '*env*.yaml'
seed secrets -name '*'
seed lsp -name '*.json' -o -name '*.yaml' -o -name '*.ts'

# CEL: each attribute condition written in the fixtures, one per file: double-quoted,
# single-quoted or a plain YAML scalar. `|| true`: grep finding nothing is not an error here.
mkdir -p fuzz/corpus/cel
key="attribute_?[cC]ondition[\"']?[[:space:]]*[:=][[:space:]]*"
{
    grep -rhoE "${key}\"[^\"]+\"" fixtures | sed -E "s/^[^\"]*\"//; s/\"$//" || true
    grep -rhoE "${key}'[^']+'" fixtures | sed -E "s/^[^:=]*[:=][[:space:]]*'//; s/'$//" || true
    grep -rhoE "${key}[^\"'[:space:]].*$" fixtures | sed -E "s/^[^:=]*[:=][[:space:]]*//" || true
} | sort -u | while IFS= read -r condition; do
    printf '%s' "$condition" > "fuzz/corpus/cel/$(printf '%s' "$condition" | sha1sum | cut -c1-16)"
done
if [ -d fixtures/fuzz-regressions/cel ]; then
    mapfile -d '' cel_crashes < <(find fixtures/fuzz-regressions/cel -type f -print0)
    [ "${#cel_crashes[@]}" -gt 0 ] && add cel "${cel_crashes[@]}"
fi

for dir in fuzz/corpus/*/; do echo "$dir $(find "$dir" -type f | wc -l)"; done
