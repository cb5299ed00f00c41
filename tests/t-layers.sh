# The folders are layers, each using only those below it:
#   lib < fs < tree < image < guest < policy < facts < checks < report < tool
# (the order of CSM_LAYERS in CMakeLists.txt). Every #include "folder/..."
# of a source file must name its own folder or one below it, so that an
# arrow pointing up cannot come back unnoticed. There is no exception:
# exit codes are tool/'s alone (tool/exitcodes.h), and the library is
# handed those it records.
. "$CSM_SRC/tests/lib.sh"

layers=$(sed -n 's/^set(CSM_LAYERS \(.*\))$/\1/p' "$CSM_SRC/CMakeLists.txt")
assert_eq "lib fs tree image guest policy facts checks report" "$layers" "CMakeLists.txt names the layers in order"
order=($layers tool)
rank() { # FOLDER
    local i
    for i in "${!order[@]}"; do
        [ "${order[$i]}" = "$1" ] && { echo "$i"; return; }
    done
    echo -1
}

files=0 up=()
for dir in "${order[@]}"; do
    me=$(rank "$dir")
    for f in "$CSM_SRC/$dir"/*.[ch]; do
        files=$((files + 1))
        rel=${f#"$CSM_SRC/"}
        while read -r inc; do
            [ -n "$inc" ] || continue
            there=$(rank "$inc")
            if [ "$there" -lt 0 ]; then
                up+=("$rel includes from $inc/, which is no layer")
            elif [ "$there" -gt "$me" ]; then
                up+=("$rel ($dir) includes from $inc/, a layer above it")
            fi
        done < <(sed -n 's|^#include "\([a-z]*\)/.*|\1|p' "$f" | sort -u)
    done
done
[ "$files" -gt 80 ] && ok "$files source files looked at" || not_ok "only $files source files looked at"
if [ ${#up[@]} -eq 0 ]; then
    ok "every include names its own layer or one below it"
else
    for u in "${up[@]}"; do not_ok "$u"; done
fi
# Exit codes are picked in tool/ only: no CSM_EXIT_ name below it.
below=$(grep -rl 'CSM_EXIT_' "${order[@]/#/$CSM_SRC/}" --include='*.[ch]' 2>/dev/null | grep -v "^$CSM_SRC/tool/" || true)
assert_eq "" "$below" "no exit code named below tool/"

# The check holds to account: an include from above is caught.
mkdir -p "$T/src/lib"
printf '#include "facts/facts.h"\n' >"$T/src/lib/bad.c"
[ "$(sed -n 's|^#include "\([a-z]*\)/.*|\1|p' "$T/src/lib/bad.c")" = facts ] &&
    [ "$(rank facts)" -gt "$(rank lib)" ] && ok "lib including facts/ would be caught" ||
    not_ok "an include from above would pass"
done_testing
