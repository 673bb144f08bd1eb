#!/usr/bin/env bash
# Writes the seed corpus, fuzz/seeds/TARGET/, from the real logs in testdata/
# (byte-for-byte copies of ../shared/testdata/, see testdata/PROVENANCE.md)
# and the fixtures beside them. A few lines of each, so that every target
# starts from the shapes alf meets. Deterministic: run it again and the
# bytes are the same. Needs gzip and zstd.
set -euo pipefail
cd "$(dirname "$0")"
td=../testdata
out=seeds
rm -rf "$out"
mkdir -p "$out"
printf '# Fuzz seeds are bytes: no end-of-line conversion, no diffs as text.\n* -text\n' > "$out/.gitattributes"

# seed TARGET NAME PICK-BYTE (octal escape for printf, or "") < bytes
seed() {
    mkdir -p "$out/$1"
    { [ -n "$3" ] && printf "$3"; cat; } > "$out/$1/$2"
}
lines() { head -n "${3:-4}" "$td/$1" | tail -n "${2:-4}"; }

# access_line: the first byte picks the preset (low 3 bits) and the syslog
# prefix (bits 3-4); \377 detects.
a=access
lines $a/apache-combined/farmfreshsoftware.com_combined.access.log | seed access_line combined '\000'
lines $a/apache-combined/honeynet2004_access_log.5 | seed access_line combined-2004 '\000'
lines $a/apache-common/farmfreshsoftware.com_common.access.log | seed access_line common '\001'
lines $a/apache-vhost_combined/farmwork.app_vhost_combined.access.log | seed access_line vhost '\002'
lines $a/apache-combined/farmwork.app_combined.access.log | seed access_line combinedio '\003'
lines $a/nginx-combined/meatlabel.app.access.log-20251222 | seed access_line nginx '\004'
lines $a/edge-cases/elastic-beats_nginx_access_test.log | seed access_line nginx-main '\005'
sed 's/^/www.example.org /' "$td/$a/nginx-combined/saunathinker.com.access.log-20260107" |
    head -n 3 | seed access_line nginx-vhost '\006'
for f in escaped-quotes nginx-hex-escapes dash-bytes ipv6-clients invalid-utf8-ua crlf; do
    seed access_line "$f" '\000' < "$td/fixtures/$f.log"
done
head -n 4 "$td/fixtures/syslog-rfc3164.log" | seed access_line syslog-3164 '\014'
head -n 4 "$td/fixtures/syslog-short-iso.log" | seed access_line syslog-iso '\024'
head -n 4 "$td/fixtures/syslog-rfc5424.log" | seed access_line syslog-5424 '\034'
{ lines $a/apache-common/farmwork.app_common.access.log 2; lines $a/nginx-combined/lnav_zanbil-shop_access_log_2019_1000lines.log 2; } |
    seed access_line detect '\377'
head -c 600 "$td/$a/edge-cases/crowdsec-hub-fixtures/nginx-http-open-proxy.log" | seed access_line crowdsec '\000'

# error_line: bit 0 picks nginx, bits 1-2 the syslog prefix.
e=error
lines $e/apache-1.3/honeynet2004_error_log.11 | seed error_line apache-1.3 '\000'
lines $e/apache-2.0/loghub_Apache_2k.log | seed error_line apache-2.0 '\000'
for f in "$td"/$e/apache-2.4/* "$td"/$e/edge-cases/*; do
    [ -f "$f" ] || continue
    head -n 3 "$f" | head -c 800 | seed error_line "$(basename "$f")" '\000'
done
for f in "$td"/$e/nginx/*; do
    head -n 3 "$f" | head -c 800 | seed error_line "$(basename "$f")" '\001'
done
for f in apache24-error errlog-probes-error; do seed error_line "$f" '\000' < "$td/fixtures/$f.log"; done
for f in nginx-error nginx-error-ambiguous errlog-probes-nginx; do seed error_line "$f" '\001' < "$td/fixtures/$f.log"; done
sed 's/^/Dec  1 00:07:40 web-1 httpd[1]: /' "$td/fixtures/apache24-error.log" | head -n 3 | seed error_line syslog-apache '\002'

# format_compile: bit 0 picks nginx; the format string, a newline, lines.
fc() { { printf '%s\n' "$3"; lines "$4" 2; } | seed format_compile "$1" "$2"; }
fc combined '\000' '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"' $a/apache-combined/farmfreshsoftware.com_combined.access.log
fc logformat '\000' 'LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" vhost_combined' $a/apache-vhost_combined/farmfreshsoftware.com_vhost_combined.access.log
fc timing '\000' '%a %{c}a %l %u [%{%Y-%m-%d %H:%M:%S}t] "%m %U%q %H" %>s %B %D %T %{X-Forwarded-For}i %{ms}T' $a/apache-common/farmwork.app_common.access.log
fc csv2mysql '\000' '%v,%p,%h,%l,%u,%t,%I,%O,%S,%B,%{ms}T,%D,%^FB,%>s,"%H","%m","%U","%q","%{Referer}i","%{User-Agent}i","%{VARNAME}C",%L' $a/apache-csv2mysql/farmfreshsoftware.access.log-20250208
fc nginx '\001' '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"' $a/nginx-combined/meatlabel.app.access.log-20251222
fc log_format '\001' "log_format timed '\$remote_addr \$host [\$time_iso8601] \"\$request\" \$status \$bytes_sent \$request_time \$msec \$upstream_response_time';" $a/nginx-combined/saunathinker.com.access.log-20260107

# client_addr: one field each.
i=0
for s in 192.0.2.1 0.0.0.0 255.255.255.255 010.0.0.1 127.1 2001:db8::1 2001:DB8:0:0:0:0:0:1 \
    ::ffff:1.2.3.4 ::FFFF:7f00:1 ::1 :: fe80::1%eth0 '[2001:db8::7]:51000' 1.2.3.4:5678 \
    ::1.2.3.4 1::2:3:4:5:6:7 10.0.0.0/8 ::ffff:10.0.0.0/104 2001:db8::/32 - unknown; do
    printf '%s' "$s" | seed client_addr "a$i" ''
    i=$((i + 1))
done

# xff: the first byte picks the connecting address (bits 0-1) and the
# trusted ranges (bits 2-5).
i=0
for s in '203.0.113.9' '198.51.100.2, 10.1.2.3' ' 192.0.2.5 ,10.0.0.7,	10.0.0.8 ' 'unknown, 10.0.0.2' \
    '[2001:db8:1::5]:443, 2001:db8::9' '1.2.3.4:80,,10.0.0.1' '-' '198.51.100.2, 127.0.0.1'; do
    printf '%s' "$s" | seed xff "x$i" '\074'
    i=$((i + 1))
done

# timestamps: the first byte picks the parser.
ts() { printf '%s' "$3" | seed timestamps "$1" "$2"; }
ts clf '\000' '10/Oct/2000:13:55:36 -0700'
ts clf-z '\000' '29/Feb/2024:23:59:59 +1400'
ts iso '\001' '2021-09-15T16:13:46+02:00'
ts iso-frac '\001' '2025-12-21T00:07:40.123456Z'
ts epoch '\002' '1700000000'
ts epoch-ms '\003' '1700000000123'
ts ctime '\004' 'Sat Jun 01 02:17:42 2013'
ts ctime-us '\004' 'Wed Oct 11 14:32:52.123456 2000'
ts nginx '\005' '2025/12/18 10:00:00'
ts strftime '\006' '%Y-%m-%d %H:%M:%S %z
2024-03-04 12:00:00 +0000'
ts offset '\010' '+09:00'
ts duration '\011' '90m'

# decompress: real gzip and zstd, whole, two members, and cut.
lines $a/apache-combined/farmfreshsoftware.com_combined.access.log 3 3 > /tmp/alf-seed.$$
gzip -9n < /tmp/alf-seed.$$ | seed decompress gzip '\000'
{ gzip -n < /tmp/alf-seed.$$; gzip -n < "$td/fixtures/no-final-newline.log"; } | seed decompress gzip-2 '\000'
gzip -n < /tmp/alf-seed.$$ | head -c 150 | seed decompress gzip-cut '\000'
zstd -q -19 -c < /tmp/alf-seed.$$ | seed decompress zstd '\000'
zstd -q -c < /tmp/alf-seed.$$ | head -c 120 | seed decompress zstd-cut '\000'
seed decompress plain '\000' < /tmp/alf-seed.$$
rm -f /tmp/alf-seed.$$

# chunk: four bytes of sizes (chunk, line cap, read sizes), then the bytes.
for f in crlf mixed-crlf no-final-newline newline-only dash-bytes; do
    head -c 700 "$td/fixtures/$f.log" | seed chunk "$f" '\007\050\003\021'
done
{ printf 'a\n'; head -c 300 /dev/zero; printf 'x\nlong line %0250d\nz'; } | seed chunk nul '\005\062\377\002'

# escape: the first byte is a width.
for f in invalid-utf8-ua nginx-hex-escapes binary-garbage; do
    head -c 600 "$td/fixtures/$f.log" | seed escape "$f" '\030'
done
printf 'x\342\200\256y\302\233 \346\227\245\346\234\254 it'"'"'s $(id) <b>&amp;' | seed escape mixed '\006'

# rules: the bytes drive the offender set (see the target).
for n in 1 2 3; do
    head -c $((n * 97)) "$td/$a/apache-combined/honeynet2004_access_log.5" | seed rules "r$n" '\000\002\201\003'
done
