#!/usr/bin/env bash
# Generates the throwaway keys, certificates and secrets of a fixture set's keys/ folder in the layout of
# DESIGN.md ("State and fixtures"), using only the openssl CLI, then checks them with openssl.
# TEST ONLY: whatever this writes is meant to be committed and public. Never use it for real money.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: scripts/generate-test-keys.sh [--force] [TARGET_DIR]
       scripts/generate-test-keys.sh --check KEYS_DIR

Writes TARGET_DIR/wechatpay/... and TARGET_DIR/alipay/... (TARGET_DIR is a fixture set's keys/ folder).
Without TARGET_DIR the keys go to a fresh temporary directory, whose path is printed.
Refuses to replace any existing key file unless --force is given; nothing in TARGET_DIR is touched
until the whole set has been generated and checked in a staging directory.
--check only runs the openssl checks on an existing KEYS_DIR.

Identities (environment overrides, space-separated; the first of each list is the set's first,
written at the top of wechatpay/ or alipay/, the others under wechatpay/<mchid>/, alipay/<app_id>/):
  MPEMU_MCHIDS           default "1900000109 1900000209"
  MPEMU_ALIPAY_APP_IDS   default "2021004100000001 2021004100000002"
  MPEMU_ALIPAY_PKCS8_APP_IDS  apps whose app_private_key.pem is PKCS#8 instead of PKCS#1
                         default "2021004100000002" (the first app must stay PKCS#1, DESIGN.md)
  MPEMU_ALIPAY_CERT_APP_IDS   certificate-mode (公钥证书) apps, always under alipay/<app_id>/
                         default "2021004100000003": app and Alipay public-key certificates issued by
                         a throwaway RSA root, and a root chain of an ECDSA root and that RSA root
EOF
}

read -r -a mchids <<<"${MPEMU_MCHIDS:-1900000109 1900000209}"
read -r -a alipay_app_ids <<<"${MPEMU_ALIPAY_APP_IDS:-2021004100000001 2021004100000002}"
read -r -a alipay_pkcs8_app_ids <<<"${MPEMU_ALIPAY_PKCS8_APP_IDS-2021004100000002}"
read -r -a alipay_cert_app_ids <<<"${MPEMU_ALIPAY_CERT_APP_IDS-2021004100000003}"

readonly kRsaBits=2048
readonly kCertDays=7305  # 20 years
readonly kMerchantFiles=(merchant_private_key.pem merchant_public_key.pem merchant_cert.pem merchant_cert_serial.txt
    apiv3_key.txt api_v2_key.txt apiclient_cert.p12 platform_private_key.pem platform_cert.pem platform_serial.txt
    platform_public_key.pem platform_public_key_id.txt)
readonly kAlipayFiles=(app_private_key.pem app_public_key.pem alipay_private_key.pem alipay_public_key.pem)
readonly kAlipayCertFiles=(app_private_key.pem app_cert.crt alipay_private_key.pem alipay_cert.crt alipay_root_cert.crt)
# Issuer of the cert-mode apps' certificates, shaped like Alipay's "Ant Financial Certification Authority".
readonly kAlipayRsaRootSubject="/C=CN/O=mpemu/OU=Certification Authority/CN=mpemu Alipay Root CA RSA (TEST ONLY)"
readonly kAlipayEcRootSubject="/C=CN/O=mpemu/OU=Certification Authority/CN=mpemu Alipay Root CA EC (TEST ONLY)"

die() {
    echo "generate-test-keys: $*" >&2
    exit 1
}

# The directory of one merchant or app: the first one sits at the top of its provider folder.
tenant_dir() {  # root provider index id
    if [[ $3 -eq 0 ]]; then echo "$1/$2"; else echo "$1/$2/$4"; fi
}

# ---------------------------------------------------------------------------------------------------------------
# Random values, all drawn from openssl rand.

# N characters of [A-Za-z0-9]; filtering base64 output keeps the distribution uniform over the 62 symbols.
random_alnum() {
    local out=""
    while [[ ${#out} -lt $1 ]]; do
        out+=$(openssl rand -base64 48 | tr -dc 'A-Za-z0-9')
    done
    printf '%s' "${out:0:$1}"
}

# N decimal digits; the digits of hex output are uniform over 0-9.
random_digits() {
    local out=""
    while [[ ${#out} -lt $1 ]]; do
        out+=$(openssl rand -hex 32 | tr -dc '0-9')
    done
    printf '%s' "${out:0:$1}"
}

# A 20-byte certificate serial printed as exactly 40 upper-case hex digits. The first byte is kept in
# 0x10..0x7F: below 0x80 so the DER INTEGER stays positive without a padding byte, at least 0x10 so that
# no printer (openssl, Node, @fidm/x509) can drop a leading zero digit.
random_serial() {
    local hex
    while true; do
        hex=$(openssl rand -hex 20 | tr 'a-f' 'A-F')
        [[ $hex =~ ^[1-7][0-9A-F]{39}$ ]] && break
    done
    printf '%s' "$hex"
}

# ---------------------------------------------------------------------------------------------------------------
# Generation.

new_rsa_key() {  # out.pem (PKCS#8, unencrypted)
    openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:${kRsaBits}" -out "$1"
}

public_key_of() {  # private.pem out.pem (SPKI)
    openssl pkey -in "$1" -pubout -out "$2"
}

self_signed_cert() {  # key.pem subject serial_hex out.pem
    local cnf
    cnf=$(mktemp)
    # Shaped like a merchant API / platform certificate: an end-entity signing certificate.
    cat >"$cnf" <<'EOF'
[req]
distinguished_name = dn
x509_extensions = ext
prompt = no
[dn]
CN = placeholder
[ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, nonRepudiation, keyEncipherment
subjectKeyIdentifier = hash
EOF
    openssl req -x509 -new -key "$1" -config "$cnf" -subj "$2" -sha256 -days "$kCertDays" -set_serial "0x$3" \
        -out "$4"
    rm -f "$cnf"
}

generate_merchant() {  # dir mchid
    local dir=$1 mchid=$2 serial beijing_date
    mkdir -p "$dir"

    new_rsa_key "$dir/merchant_private_key.pem"
    public_key_of "$dir/merchant_private_key.pem" "$dir/merchant_public_key.pem"
    serial=$(random_serial)
    self_signed_cert "$dir/merchant_private_key.pem" "/CN=${mchid}/O=mpemu test merchant" "$serial" \
        "$dir/merchant_cert.pem"
    printf '%s' "$serial" >"$dir/merchant_cert_serial.txt"
    # 3DES for both bags and a SHA-1 MAC: the one combination that OpenSSL 3 and Node read without the legacy
    # provider (unlike RC2) and that golang.org/x/crypto/pkcs12 (silenceper/wechat) and older Java also read
    # (unlike PBES2/AES). Strength is irrelevant: the password is the mchid and the key is public.
    openssl pkcs12 -export -in "$dir/merchant_cert.pem" -inkey "$dir/merchant_private_key.pem" \
        -name "mpemu test merchant ${mchid} (TEST ONLY)" -passout "pass:${mchid}" \
        -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -out "$dir/apiclient_cert.p12"

    random_alnum 32 >"$dir/apiv3_key.txt"
    random_alnum 32 >"$dir/api_v2_key.txt"

    # One platform key pair behind both the platform certificate and the WeChat Pay public key id.
    new_rsa_key "$dir/platform_private_key.pem"
    public_key_of "$dir/platform_private_key.pem" "$dir/platform_public_key.pem"
    serial=$(random_serial)
    self_signed_cert "$dir/platform_private_key.pem" "/CN=mpemu WeChat Pay platform (TEST ONLY)/O=mpemu" "$serial" \
        "$dir/platform_cert.pem"
    printf '%s' "$serial" >"$dir/platform_serial.txt"
    # Observed id pattern: PUB_KEY_ID_ + 01 + mchid + yyyymmdd + 14 digits; the date is Beijing's (UTC+8).
    beijing_date=$(TZ=CST-8 date +%Y%m%d)
    printf 'PUB_KEY_ID_01%s%s%s' "$mchid" "$beijing_date" "$(random_digits 14)" >"$dir/platform_public_key_id.txt"
}

generate_alipay_app() {  # dir pkcs1|pkcs8
    local dir=$1 key_format=$2
    mkdir -p "$dir"
    new_rsa_key "$dir/app_private_key.pkcs8.tmp"
    if [[ $key_format == pkcs1 ]]; then
        # alipay-sdk's default keyType PKCS1 wants "BEGIN RSA PRIVATE KEY".
        openssl pkey -in "$dir/app_private_key.pkcs8.tmp" -traditional -out "$dir/app_private_key.pem"
        rm -f "$dir/app_private_key.pkcs8.tmp"
    else
        mv "$dir/app_private_key.pkcs8.tmp" "$dir/app_private_key.pem"
    fi
    public_key_of "$dir/app_private_key.pem" "$dir/app_public_key.pem"
    new_rsa_key "$dir/alipay_private_key.pem"
    public_key_of "$dir/alipay_private_key.pem" "$dir/alipay_public_key.pem"
}

# A CA certificate (self-signed) for the Alipay root chain.
ca_cert() {  # key.pem subject serial_hex out.pem
    openssl req -x509 -new -key "$1" -subj "$2" -sha256 -days "$kCertDays" -set_serial "0x$3" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$4"
}

# An end-entity certificate for key.pem issued by the CA.
issued_cert() {  # key.pem subject serial_hex ca_cert ca_key out.pem
    local csr
    csr=$(mktemp)
    openssl req -new -key "$1" -subj "$2" -out "$csr"
    openssl x509 -req -in "$csr" -CA "$4" -CAkey "$5" -set_serial "0x$3" -sha256 -days "$kCertDays" \
        -extfile <(printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,nonRepudiation\n') -out "$6" 2>/dev/null
    rm -f "$csr"
}

# The root chain every cert-mode app of this run shares: an ECDSA root first (Alipay's chain starts with
# a non-RSA root the SDKs skip), then the RSA root that issues the app and Alipay certificates.
generate_alipay_roots() {  # dir
    mkdir -p "$1"
    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1/ec_root_key.pem"
    ca_cert "$1/ec_root_key.pem" "$kAlipayEcRootSubject" "$(random_serial)" "$1/ec_root.crt"
    new_rsa_key "$1/rsa_root_key.pem"
    ca_cert "$1/rsa_root_key.pem" "$kAlipayRsaRootSubject" "$(random_serial)" "$1/rsa_root.crt"
    cat "$1/ec_root.crt" "$1/rsa_root.crt" >"$1/alipay_root_cert.crt"
}

generate_alipay_cert_app() {  # dir app_id roots_dir
    local dir=$1 app_id=$2 roots=$3
    mkdir -p "$dir"
    new_rsa_key "$dir/app_private_key.pkcs8.tmp"
    openssl pkey -in "$dir/app_private_key.pkcs8.tmp" -traditional -out "$dir/app_private_key.pem"
    rm -f "$dir/app_private_key.pkcs8.tmp"
    issued_cert "$dir/app_private_key.pem" "/C=CN/O=mpemu test merchant/OU=Alipay/CN=${app_id}" "$(random_serial)" \
        "$roots/rsa_root.crt" "$roots/rsa_root_key.pem" "$dir/app_cert.crt"
    new_rsa_key "$dir/alipay_private_key.pem"
    issued_cert "$dir/alipay_private_key.pem" "/C=CN/O=mpemu/OU=Alipay/CN=Alipay public key (TEST ONLY)" \
        "$(random_serial)" "$roots/rsa_root.crt" "$roots/rsa_root_key.pem" "$dir/alipay_cert.crt"
    cp "$roots/alipay_root_cert.crt" "$dir/alipay_root_cert.crt"
}

# ---------------------------------------------------------------------------------------------------------------
# Checks (openssl only; scripts/check-test-keys.mjs repeats them from Node's side).

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

modulus_of() {  # kind file; kind is private|public|cert
    case $1 in
        private) openssl rsa -in "$2" -noout -modulus ;;
        public) openssl rsa -pubin -in "$2" -noout -modulus ;;
        cert) openssl x509 -in "$2" -noout -modulus ;;
    esac 2>/dev/null | sed 's/^Modulus=//'
}

expect_same_modulus() {  # kind_a file_a kind_b file_b
    local a b
    a=$(modulus_of "$1" "$2") || true
    b=$(modulus_of "$3" "$4") || true
    [[ -n $a && $a == "$b" ]] || fail "$2 and $4 are not one key pair"
}

expect_first_line() {  # file line
    [[ $(head -n 1 "$1") == "$2" ]] || fail "$1 does not start with '$2'"
}

# A .txt value: exactly the regex, and no trailing newline (or anything else) after it.
expect_txt() {  # file regex
    local content
    [[ -f $1 ]] || { fail "$1 is missing"; return; }
    content=$(<"$1")
    [[ $content =~ ^$2$ ]] || fail "$1 = '$content' does not match $2"
    [[ $(wc -c <"$1") -eq ${#content} ]] || fail "$1 has trailing bytes after its value"
}

expect_cert() {  # cert.pem subject serial_file
    local serial
    openssl x509 -in "$1" -noout -text >/dev/null 2>&1 || { fail "$1 does not parse"; return; }
    [[ $(openssl x509 -in "$1" -noout -subject -nameopt compat) == "subject=$2" ]] ||
        fail "$1 subject is not $2"
    openssl x509 -in "$1" -noout -checkend 0 >/dev/null || fail "$1 has expired"
    serial=$(openssl x509 -in "$1" -noout -serial | sed 's/^serial=//')
    [[ $serial == "$(<"$3")" ]] || fail "$1 serial $serial differs from $3"
}

check_merchant() {  # dir mchid
    local d=$1 mchid=$2 info missing=0
    echo "checking WeChat Pay merchant $mchid in $d"
    for f in "${kMerchantFiles[@]}"; do [[ -f $d/$f ]] || { fail "$d/$f is missing"; missing=1; }; done
    [[ $missing -eq 0 ]] || return 0

    expect_first_line "$d/merchant_private_key.pem" "-----BEGIN PRIVATE KEY-----"
    expect_first_line "$d/platform_private_key.pem" "-----BEGIN PRIVATE KEY-----"
    expect_first_line "$d/merchant_public_key.pem" "-----BEGIN PUBLIC KEY-----"
    expect_first_line "$d/platform_public_key.pem" "-----BEGIN PUBLIC KEY-----"
    expect_same_modulus private "$d/merchant_private_key.pem" public "$d/merchant_public_key.pem"
    expect_same_modulus private "$d/merchant_private_key.pem" cert "$d/merchant_cert.pem"
    expect_same_modulus private "$d/platform_private_key.pem" public "$d/platform_public_key.pem"
    expect_same_modulus private "$d/platform_private_key.pem" cert "$d/platform_cert.pem"
    [[ $(modulus_of private "$d/merchant_private_key.pem") != $(modulus_of private "$d/platform_private_key.pem") ]] ||
        fail "$d: merchant and platform share a key"

    expect_txt "$d/merchant_cert_serial.txt" '[0-9A-F]{40}'
    expect_txt "$d/platform_serial.txt" '[0-9A-F]{40}'
    expect_txt "$d/apiv3_key.txt" '[A-Za-z0-9]{32}'
    expect_txt "$d/api_v2_key.txt" '[A-Za-z0-9]{32}'
    expect_txt "$d/platform_public_key_id.txt" "PUB_KEY_ID_01${mchid}[0-9]{8}[0-9]{14}"
    [[ $(<"$d/merchant_cert_serial.txt") != $(<"$d/platform_serial.txt") ]] ||
        fail "$d: merchant and platform serials are equal (axios-plugin refuses that)"
    expect_cert "$d/merchant_cert.pem" "/CN=${mchid}/O=mpemu test merchant" "$d/merchant_cert_serial.txt"
    expect_cert "$d/platform_cert.pem" "/CN=mpemu WeChat Pay platform (TEST ONLY)/O=mpemu" "$d/platform_serial.txt"

    # The p12 opens with the mchid (no -legacy), holds this merchant's certificate and key, and refuses
    # another password.
    info=$(openssl pkcs12 -in "$d/apiclient_cert.p12" -passin "pass:${mchid}" -info -noout 2>&1) ||
        fail "$d/apiclient_cert.p12 does not open with password $mchid"
    if [[ $(grep -c 'pbeWithSHA1And3-KeyTripleDES-CBC' <<<"$info") -ne 2 ]] || ! grep -q 'MAC: sha1,' <<<"$info"; then
        fail "$d/apiclient_cert.p12 is not 3DES-encrypted with a SHA-1 MAC"
    fi
    [[ $(openssl pkcs12 -in "$d/apiclient_cert.p12" -passin "pass:${mchid}" -nokeys -clcerts 2>/dev/null |
        openssl x509 -noout -modulus 2>/dev/null) == "Modulus=$(modulus_of cert "$d/merchant_cert.pem")" ]] ||
        fail "$d/apiclient_cert.p12 does not hold merchant_cert.pem"
    [[ $(openssl pkcs12 -in "$d/apiclient_cert.p12" -passin "pass:${mchid}" -nocerts -nodes 2>/dev/null |
        openssl rsa -noout -modulus 2>/dev/null) == "Modulus=$(modulus_of private "$d/merchant_private_key.pem")" ]] ||
        fail "$d/apiclient_cert.p12 does not hold merchant_private_key.pem"
    ! openssl pkcs12 -in "$d/apiclient_cert.p12" -passin "pass:not-${mchid}" -info -noout >/dev/null 2>&1 ||
        fail "$d/apiclient_cert.p12 opens with a wrong password"
}

check_alipay_app() {  # dir app_id pkcs1|pkcs8
    local d=$1 app_id=$2 key_format=$3 missing=0
    echo "checking Alipay app $app_id ($key_format app key) in $d"
    for f in "${kAlipayFiles[@]}"; do [[ -f $d/$f ]] || { fail "$d/$f is missing"; missing=1; }; done
    [[ $missing -eq 0 ]] || return 0
    if [[ $key_format == pkcs1 ]]; then
        expect_first_line "$d/app_private_key.pem" "-----BEGIN RSA PRIVATE KEY-----"
    else
        expect_first_line "$d/app_private_key.pem" "-----BEGIN PRIVATE KEY-----"
    fi
    expect_first_line "$d/alipay_private_key.pem" "-----BEGIN PRIVATE KEY-----"
    expect_first_line "$d/app_public_key.pem" "-----BEGIN PUBLIC KEY-----"
    expect_first_line "$d/alipay_public_key.pem" "-----BEGIN PUBLIC KEY-----"
    expect_same_modulus private "$d/app_private_key.pem" public "$d/app_public_key.pem"
    expect_same_modulus private "$d/alipay_private_key.pem" public "$d/alipay_public_key.pem"
    [[ $(modulus_of private "$d/app_private_key.pem") != $(modulus_of private "$d/alipay_private_key.pem") ]] ||
        fail "$d: app and Alipay share a key"
}

check_alipay_cert_app() {  # dir app_id
    local d=$1 app_id=$2 missing=0 issuer
    echo "checking Alipay certificate-mode app $app_id in $d"
    for f in "${kAlipayCertFiles[@]}"; do [[ -f $d/$f ]] || { fail "$d/$f is missing"; missing=1; }; done
    [[ $missing -eq 0 ]] || return 0
    expect_first_line "$d/app_private_key.pem" "-----BEGIN RSA PRIVATE KEY-----"
    expect_same_modulus private "$d/app_private_key.pem" cert "$d/app_cert.crt"
    expect_same_modulus private "$d/alipay_private_key.pem" cert "$d/alipay_cert.crt"
    [[ $(modulus_of private "$d/app_private_key.pem") != $(modulus_of private "$d/alipay_private_key.pem") ]] ||
        fail "$d: app and Alipay share a key"
    [[ $(grep -c 'BEGIN CERTIFICATE' "$d/alipay_root_cert.crt") -eq 2 ]] || fail "$d/alipay_root_cert.crt is not 2 roots"
    for f in app_cert.crt alipay_cert.crt; do
        openssl verify -CAfile "$d/alipay_root_cert.crt" "$d/$f" >/dev/null 2>&1 ||
            fail "$d/$f is not issued by a root of alipay_root_cert.crt"
        openssl x509 -in "$d/$f" -noout -checkend 0 >/dev/null || fail "$d/$f has expired"
    done
}

alipay_key_format() {  # app_id
    local id
    for id in "${alipay_pkcs8_app_ids[@]}"; do [[ $id == "$1" ]] && { echo pkcs8; return; }; done
    echo pkcs1
}

check_all() {  # keys_dir
    local i
    for i in "${!mchids[@]}"; do
        check_merchant "$(tenant_dir "$1" wechatpay "$i" "${mchids[$i]}")" "${mchids[$i]}"
    done
    for i in "${!alipay_app_ids[@]}"; do
        check_alipay_app "$(tenant_dir "$1" alipay "$i" "${alipay_app_ids[$i]}")" "${alipay_app_ids[$i]}" \
            "$(alipay_key_format "${alipay_app_ids[$i]}")"
    done
    for i in "${!alipay_cert_app_ids[@]}"; do
        check_alipay_cert_app "$1/alipay/${alipay_cert_app_ids[$i]}" "${alipay_cert_app_ids[$i]}"
    done
    if [[ $failures -ne 0 ]]; then
        die "$failures check(s) failed in $1"
    fi
    echo "all openssl checks passed in $1"
}

# ---------------------------------------------------------------------------------------------------------------
# Main.

force=0
check_only=0
target=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --force) force=1 ;;
        --check) check_only=1 ;;
        -h | --help) usage; exit 0 ;;
        -*) usage >&2; die "unknown option $1" ;;
        *) [[ -z $target ]] || die "only one target directory"; target=$1 ;;
    esac
    shift
done

command -v openssl >/dev/null || die "openssl is not installed"
[[ ${#mchids[@]} -gt 0 && ${#alipay_app_ids[@]} -gt 0 ]] || die "need at least one mchid and one Alipay app_id"
for id in "${mchids[@]}"; do [[ $id =~ ^[0-9]{10}$ ]] || die "mchid '$id' is not 10 digits"; done
for id in "${alipay_app_ids[@]}" "${alipay_cert_app_ids[@]}"; do
    [[ $id =~ ^20[0-9]{14}$ ]] || die "app_id '$id' is not 16 digits"
done
[[ $(alipay_key_format "${alipay_app_ids[0]}") == pkcs1 ]] ||
    die "the first Alipay app must keep a PKCS#1 key (DESIGN.md); drop it from MPEMU_ALIPAY_PKCS8_APP_IDS"

if [[ $check_only -eq 1 ]]; then
    [[ -n $target && -d $target ]] || die "--check needs an existing KEYS_DIR"
    check_all "$target"
    exit 0
fi

if [[ -z $target ]]; then
    target=$(mktemp -d "${TMPDIR:-/tmp}/mpemu-test-keys.XXXXXX")
fi

# Every path this run would write, relative to the target, to refuse early and to copy at the end.
outputs=()
for i in "${!mchids[@]}"; do
    for f in "${kMerchantFiles[@]}"; do outputs+=("$(tenant_dir . wechatpay "$i" "${mchids[$i]}")/$f"); done
done
for i in "${!alipay_app_ids[@]}"; do
    for f in "${kAlipayFiles[@]}"; do outputs+=("$(tenant_dir . alipay "$i" "${alipay_app_ids[$i]}")/$f"); done
done
for id in "${alipay_cert_app_ids[@]}"; do
    for f in "${kAlipayCertFiles[@]}"; do outputs+=("./alipay/$id/$f"); done
done
if [[ $force -eq 0 ]]; then
    for f in "${outputs[@]}"; do
        [[ ! -e $target/$f ]] || die "$target/${f#./} exists; pass --force to replace the keys in $target"
    done
fi

staging=$(mktemp -d "${TMPDIR:-/tmp}/mpemu-test-keys-staging.XXXXXX")
trap 'rm -rf "$staging"' EXIT
umask 022  # these keys are public by design; keep them readable like any other fixture file

for i in "${!mchids[@]}"; do
    echo "generating WeChat Pay merchant ${mchids[$i]}"
    generate_merchant "$(tenant_dir "$staging" wechatpay "$i" "${mchids[$i]}")" "${mchids[$i]}"
done
for i in "${!alipay_app_ids[@]}"; do
    echo "generating Alipay app ${alipay_app_ids[$i]}"
    generate_alipay_app "$(tenant_dir "$staging" alipay "$i" "${alipay_app_ids[$i]}")" \
        "$(alipay_key_format "${alipay_app_ids[$i]}")"
done
if [[ ${#alipay_cert_app_ids[@]} -gt 0 ]]; then
    generate_alipay_roots "$staging/alipay-roots"  # the root keys stay in staging: never written out
    for id in "${alipay_cert_app_ids[@]}"; do
        echo "generating Alipay certificate-mode app $id"
        generate_alipay_cert_app "$staging/alipay/$id" "$id" "$staging/alipay-roots"
    done
fi
check_all "$staging"

for f in "${outputs[@]}"; do
    mkdir -p "$(dirname "$target/$f")"
    cp -f "$staging/$f" "$target/$f"
    chmod 0644 "$target/$f"  # openssl writes private keys 0600; these are public fixtures like any other
done
echo "wrote ${#outputs[@]} files to $target"
