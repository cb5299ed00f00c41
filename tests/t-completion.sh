# The bash completion (packaging/csm-precheck.bash-completion), driven as bash
# drives it: COMP_WORDS and COMP_CWORD set, the function called, COMPREPLY read.
. "$CSM_SRC/tests/lib.sh"
framework=/usr/share/bash-completion/bash_completion
[ -r "$framework" ] || skip_test "needs bash-completion"

mkdir -p "$T/dir/sub"
touch "$T/dir/a.json" "$T/dir/b.html" "$T/dir/c.txt" "$T/dir/disk.qcow2"
# complete WORDS...: the completions of the last word, one a line, sorted.
complete_words() {
    (
        cd "$T/dir"
        # shellcheck disable=SC1090
        . "$framework"
        # shellcheck disable=SC1091
        . "$CSM_SRC/packaging/csm-precheck.bash-completion"
        COMP_WORDS=("$CSM" "$@")
        COMP_CWORD=$#
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _csm_precheck "$CSM" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf '%s\n' "${COMPREPLY[@]}" | sort
    ) 2>&1
}

out=$(complete_words --)
# Every option --help defines (a line that starts with it), for the command and each subcommand.
defined() { "$CSM" "$@" --help | sed -nE 's/^ +(-[A-Za-z], )?(--[a-z][a-z-]+).*/\2/p' | sort -u; }
for opt in $(defined); do
    assert_contains "$out" "$opt" "-- completes $opt (from --help)"
done
for sub in verify diff rollup; do
    out=$(complete_words "$sub" --)
    for opt in $(defined "$sub"); do
        assert_contains "$out" "$opt" "$sub -- completes $opt (from $sub --help)"
    done
done
assert_contains "$(complete_words verify --)" "--key" "verify completes --key"
assert_eq "--no-site-rules" "$(complete_words --no-s)" "a prefix completes one option"
assert_eq "--color=" "$(complete_words --col)" "--color takes =WHEN"
assert_eq "$(printf 'diff\nrollup\nscan\nverify')" "$(complete_words '')" "the subcommands"
assert_eq "$(printf 'csv\nhtml\njson\ntext')" "$(complete_words rollup --format '')" "rollup --format: text, json, csv, html"
assert_eq "$(printf 'html\njson\ntext')" "$(complete_words --format '')" "--format: the formats"
assert_eq "$(printf 'json\ntext')" "$(complete_words diff --format '')" "diff --format: text or json"
assert_eq "$(printf 'json\nman\nmarkdown\ntext')" "$(complete_words --list-checks --format '')" \
    "--list-checks --format: also the documents' markdown and man"
assert_eq "$(printf 'offline\nonline')" "$(complete_words -p '')" "--profile: the profiles"
assert_eq "$(printf 'data\nsystem')" "$(complete_words --image disk.qcow2 --role '')" "--role"
assert_eq "$(printf 'always\nauto\nnever')" "$(complete_words --color '')" "--color WHEN"
assert_eq "$(printf 'always\nauto\nnever')" "$(complete_words --color=)" "--color=WHEN"
assert_eq "$(printf 'a.json\nsub')" "$(complete_words --waivers '')" "--waivers: JSON files and directories"
assert_eq "$(printf 'a.json\nb.html\nc.txt\nsub')" "$(complete_words -o '')" "--output: report files"
assert_eq "sub" "$(complete_words --root '')" "--root: directories"
assert_contains "$(complete_words --image '')" "disk.qcow2" "--image: any file"
assert_eq "$(printf 'a.json\nsub')" "$(complete_words verify '')" "verify: JSON reports"
assert_eq "$(printf 'a.json\nsub')" "$(complete_words diff a.json '')" "diff: JSON reports"
assert_eq "" "$(complete_words --target-disk-size '')" "--target-disk-size: nothing to offer"
done_testing
