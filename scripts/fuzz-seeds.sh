#!/usr/bin/env bash
# Seed each fuzz target's corpus (fuzz/corpus/<target>/, not committed) from fixtures/ and from
# the committed crash inputs. Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
seed() {
    local target=$1; shift
    mkdir -p "fuzz/corpus/$target"
    find fixtures '(' "$@" ')' -type f -exec cp -t "fuzz/corpus/$target" {} + 2>/dev/null || true
    if [ -d "fixtures/fuzz-regressions/$target" ]; then
        cp fixtures/fuzz-regressions/"$target"/* "fuzz/corpus/$target/" 2>/dev/null || true
    fi
}
seed json_reader -name '*.json' -o -name '*.tpl'
seed yaml_reader -name '*.yaml' -o -name '*.yml' -o -name '*.template'
seed cloudformation '(' -name '*.json' -o -name '*.yaml' -o -name '*.yml' -o -name '*.template' ')' -not -path '*workflows*'
seed typescript -name '*.ts' -o -name '*.js'
seed python -name '*.py'
mkdir -p fuzz/corpus/github_actions
grep -rlE 'runs-on|runs:' fixtures --include='*.yml' --include='*.yaml' | xargs cp -t fuzz/corpus/github_actions
seed gitlab_ci -name '*gitlab*'
seed stack_config_esc -name 'Pulumi*.yaml' -o -name '*esc*' -o -name '*env*.yaml'
seed secrets -type f
seed lsp -name '*.json' -o -name '*.yaml' -o -name '*.ts'
# CEL: the attribute conditions written in the fixtures, one per file.
mkdir -p fuzz/corpus/cel
grep -rhoE "(attribute_?[cC]ondition|attributeCondition)[\"']?[:=] *[\"'][^\"']+[\"']" fixtures \
    | sed -E "s/^[^\"']*[\"']//; s/[\"']$//" | sort -u | while IFS= read -r condition; do
        printf '%s' "$condition" > "fuzz/corpus/cel/$(printf '%s' "$condition" | sha1sum | cut -c1-16)"
    done
for dir in fuzz/corpus/*/; do echo "$dir $(ls "$dir" | wc -l)"; done
