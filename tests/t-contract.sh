# The public contract is documented where users look: every check id in the
# README and the man page, every option of --help (and of each subcommand's)
# in the man page, every
# profile's rules load (each check with a title and a severity), and the
# exit codes in --help, the README and the man page.
. "$CSM_SRC/tests/lib.sh"

readme=$(cat "$CSM_SRC/README.md")
man=$(sed 's/\\-/-/g; s/\\f[BIR]//g' "$CSM_SRC/packaging/csm-precheck.1")
run_csm --list-checks --format json
ids=$(jq -r '.checks[].id' <<<"$out")
for id in $ids; do
    assert_contains "$readme" "\`$id\`" "README documents $id"
    assert_contains "$man" "$id" "the man page documents $id"
done
for profile in offline online; do
    run_csm --list-checks --profile "$profile" --format json
    assert_exit 0 "the $profile rules load"
    assert_eq 0 "$(jq '[.checks[] | select(.title == null or .title == "" or .severity == null)] | length' <<<"$out")" \
        "every check has a title and a severity in $profile"
done
run_csm --help
for opt in $(grep -oE -- '--[a-z][a-z-]+' <<<"$out" | sort -u); do
    assert_contains "$man" "$opt" "the man page documents $opt"
done
for sub in verify diff rollup; do
    run_csm "$sub" --help
    for opt in $(grep -oE -- '--[a-z][a-z-]+' <<<"$out" | sort -u); do
        assert_contains "$man" "$opt" "the man page documents $sub $opt"
        assert_contains "$readme" "$opt" "README documents $sub $opt"
    done
done
for code in 0 1 2 3 4 64; do
    assert_match "(^|[^0-9])$code " "$(grep -E '^ +[0-9]+ ' <<<"$out")" "--help documents exit code $code"
    assert_contains "$readme" "| $code |" "README documents exit code $code"
done
done_testing
