#!/bin/sh
# manpage.sh EXECUTABLE: a man page (section 1) made from `EXECUTABLE --help` and `--version`,
# for make install. The help text is the manual: its first line (OVERVIEW: … or NAME: …) is
# the NAME line, the rest is kept as written, each CAPITALS: heading a section.
set -eu
tool=$1
name=$(basename "$tool")
version=$("$tool" --version)
"$tool" --help | awk -v name="$name" -v version="$version" '
function roff(text) {
    gsub(/\\/, "\\e", text)
    if (text ~ /^[.\047]/) text = "\\&" text
    return text
}
BEGIN { printf ".TH \"%s\" 1 \"\" \"trail %s\" \"User Commands\"\n", toupper(name), version }
NR == 1 {
    sub(/^OVERVIEW: /, ""); sub("^" name ": ", "")
    print ".SH NAME"; print name " \\- " roff($0)
    print ".SH DESCRIPTION"; print ".nf"; next
}
/^[A-Z][A-Z ]*:( |$)/ {
    heading = $0; sub(/:.*/, "", heading); rest = $0; sub(/^[A-Z][A-Z ]*: ?/, "", rest)
    print ".fi"; print ".SH " heading; print ".nf"
    if (rest != "") print roff(rest)
    next
}
{ print roff($0) }
END { print ".fi" }'
