#!/bin/bash
# The man page (vmscope.1) renders without a warning (groff -ww, and man -l --warnings) and cannot
# fall behind the binary silently: every command of `vmscope --help` has its .SS section, every
# option of each command's --help (and of its subcommands', for snapshot) is in that section,
# every format of `map --format help` and of watch has its .TP entry. `make install DESTDIR=...` installs the binary and the page (and
# `make uninstall` removes them).
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/lib.sh"

T=man_page
W=$TMPDIR_TEST
PAGE=$here/../vmscope.1
for tool in groff man python3; do
	if ! command -v "$tool" >/dev/null; then
		fail "$T: $tool installed" "run tools/deps.sh"
		exit 0
	fi
done

groff -ww -man -Tutf8 "$PAGE" >"$W/page.txt" 2>"$W/groff.err"
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$W/groff.err" ] && [ -s "$W/page.txt" ]; then
	pass "$T: groff -ww -man -Tutf8: no warning ($(wc -l <"$W/page.txt") lines)"
else
	fail "$T: groff -ww -man -Tutf8: no warning" "rc $rc: $(head -c 400 "$W/groff.err")"
fi
MANWIDTH=80 MANPAGER=cat PAGER=cat man -l --warnings "$PAGE" </dev/null >"$W/man.txt" 2>"$W/man.err"
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$W/man.err" ] && grep -q 'SEED TOOLS' "$W/man.txt"; then
	pass "$T: man -l --warnings ./vmscope.1: renders, no warning"
else
	fail "$T: man -l --warnings ./vmscope.1" "rc $rc: $(head -c 400 "$W/man.err")"
fi

# The binary's own lists, against the page's source.
"$VMSCOPE" --help >"$W/cmds" 2>&1
"$VMSCOPE" map --format help >"$W/formats" 2>&1
rc=$?
check "$T: map --format help: exit 0, lists formats" test "$rc" = 0 -a -s "$W/formats"
for c in $(awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ && on > 1 { exit } on { on++ }' "$W/cmds"); do
	"$VMSCOPE" "$c" --help >"$W/help-$c" 2>&1
	echo "$c"
	# a command of subcommands (snapshot): each one's options belong to the command's section
	if grep -q '^Usage: vmscope [a-z]* SUBCOMMAND' "$W/help-$c"; then
		for sub in $(awk '/^  [a-z]+  +[a-z]/ { print $1 }' "$W/help-$c"); do
			"$VMSCOPE" "$c" "$sub" --help >"$W/help-$c-$sub" 2>&1
			echo "$c $sub"
		done
	fi
done >"$W/cmd-list"
check "$T: commands found in vmscope --help" [ "$(wc -l <"$W/cmd-list")" -ge 7 ]
"$VMSCOPE" watch -F nosuch >/dev/null 2>"$W/wf"
sed -n "s/.*unknown format 'nosuch' (\(.*\))$/\1/p" "$W/wf" | sed 's/,\| or / /g' | tr -s ' ' '\n' |
	grep . >"$W/watch-formats"
check "$T: watch formats found in its error message" [ -s "$W/watch-formats" ]

if python3 - "$PAGE" "$W" <<'PYEOF'; then
import os, re, sys

page, w = sys.argv[1], sys.argv[2]
src = open(page, encoding="utf-8").read()


def plain(roff):
    """Roff source to plain text: fonts and escapes out, \\- as -."""
    t = re.sub(r"\\f[BIRP]", "", roff)
    t = t.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
    return re.sub(r"^\.(B|I|BR|RB|IR|RI|BI|IB)\s+", "", t, flags=re.M).replace('"', "")


sections, raw = {}, {}
for m in re.finditer(r"^\.SS vmscope (\S+)(.*?)(?=^\.SS |^\.SH )", src, re.S | re.M):
    sections[m.group(1)] = plain(m.group(0))
    raw[m.group(1)] = m.group(0)
fm = re.search(r"^\.SH FORMATS$(.*?)^\.SH ", src, re.S | re.M)
formats_sec = (fm.group(1) if fm else "").replace("\\-", "-")
errs, n_opts = [], 0
subs = 0
map_opts = set(re.findall(r"(?<![\w-])(--?[\w][\w-]*)", open(os.path.join(w, "help-map")).read()))
for entry in open(os.path.join(w, "cmd-list")).read().splitlines():
    c, sub = (entry.split() + [None])[:2]
    if c not in sections:
        errs.append("command %r has no .SS section" % c)
        continue
    if sub:
        subs += 1
        if not re.search(r"^\\fB%s\\fR" % re.escape(sub), raw[c], re.M):
            errs.append("%s %s has no entry in its section" % (c, sub))
    for line in open(os.path.join(w, "help-" + entry.replace(" ", "-"))):
        m = re.match(r"^\s{2,6}(-\w)?(?:, )?(--[\w-]+)?[=\s]", line)
        if not m or not (m.group(1) or m.group(2)):
            continue
        for opt in filter(None, m.groups()):
            if opt in ("-h", "--help", "-v", "--verbose"):
                if opt not in plain(src):
                    errs.append("%s is not in the page" % opt)
                continue
            n_opts += 1
            found = lambda sec: re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), sections.get(sec, ""))
            # snapshot show takes map's options, and its entry says so: they are map's
            if not found(c) and not (sub and opt in map_opts and found("map")):
                errs.append("%s %s is not in its section" % (entry, opt))
for line in open(os.path.join(w, "formats")):
    f = line.split()[0]
    if not re.search(r"^\.TP\n\.B %s$" % re.escape(f), formats_sec, re.M):
        errs.append("map format %r has no .TP entry under FORMATS" % f)
for f in open(os.path.join(w, "watch-formats")).read().split():
    if not re.search(r"^\.B %s$" % re.escape(f), raw.get("watch", ""), re.M):
        errs.append("watch format %r is not in the watch section" % f)
if errs:
    print("    " + "\n    ".join(errs))
    sys.exit(1)
print("    %d commands, %d subcommands, %d options, %d map formats checked" % (len(sections), subs, n_opts, len(open(os.path.join(w, "formats")).readlines())))
PYEOF
	pass "$T: every command, option and format of the binary is in the page"
else
	fail "$T: every command, option and format of the binary is in the page" "see above"
fi

# make install / uninstall into a staging dir (a make of its own, not the jobs of the one that
# runs the suite)
D=$W/stage
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$here/.." install DESTDIR="$D" PREFIX=/usr SANITIZE="${SANITIZE:-}" >"$W/make.out" 2>&1 &&
	[ -x "$D/usr/bin/vmscope" ] && cmp -s "$PAGE" "$D/usr/share/man/man1/vmscope.1" &&
	"$D/usr/bin/vmscope" --version >/dev/null; then
	pass "$T: make install DESTDIR PREFIX=/usr: bin/vmscope and share/man/man1/vmscope.1"
else
	fail "$T: make install" "$(head -c 400 "$W/make.out"; find "$D" -type f 2>/dev/null)"
fi
MANPAGER=cat man -l "$D/usr/share/man/man1/vmscope.1" </dev/null 2>/dev/null | grep -q '^NAME' &&
	pass "$T: the installed page renders" || fail "$T: the installed page renders"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$here/.." uninstall DESTDIR="$D" PREFIX=/usr SANITIZE="${SANITIZE:-}" >/dev/null 2>&1
check "$T: make uninstall removes both" [ -z "$(find "$D" -type f 2>/dev/null)" ]
exit 0
