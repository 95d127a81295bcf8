<?php
// Reference vectors for JSON numbers: what PHP's json_decode($text, true)
// followed by http_build_query writes for each number literal of a JSON body.
// The output is checked in as test/fixtures/php-number-vectors.json, so CI
// needs no PHP; test/signature/php-numbers.test.ts compares our pairs to it.
//
// Regenerate (deterministic: a fixed seed, no timestamps):
//   php scripts/php-vectors.php > test/fixtures/php-number-vectors.json
// Run with PHP's default `precision` (14); the script refuses another.

if ((int) ini_get('precision') !== 14) {
    fwrite(STDERR, "php-vectors: run with precision=14 (PHP's default), not " . ini_get('precision') . "\n");
    exit(2);
}
mt_srand(20261130, MT_RAND_MT19937);

/** The decoded pairs http_build_query gives for a JSON text, in order. */
function pairs_of(string $json): array {
    $payload = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    $query = http_build_query($payload, '', '&', PHP_QUERY_RFC1738);
    $pairs = [];
    foreach (explode('&', $query) as $part) {
        if ($part === '') continue;
        $kv = explode('=', $part, 2);
        $pairs[] = [urldecode($kv[0]), urldecode($kv[1] ?? '')];
    }
    return $pairs;
}

function digits(int $count): string {
    $text = (string) mt_rand(1, 9);
    for ($i = 1; $i < $count; $i++) $text .= (string) mt_rand(0, 9);
    return $text;
}

function sign_of(): string { return mt_rand(0, 1) ? '-' : ''; }

// A decimal integer string plus an offset (for values past PHP_INT_MAX).
function add_offset(string $base, int $offset): string {
    $negative = $base[0] === '-';
    $digits = ltrim($base, '-');
    $value = $negative ? -$offset : $offset;
    $result = '';
    $carry = $value;
    for ($i = strlen($digits) - 1; $i >= 0; $i--) {
        $sum = (int) $digits[$i] + $carry;
        $carry = intdiv($sum - (($sum % 10 + 10) % 10), 10);
        $result = (string) (($sum % 10 + 10) % 10) . $result;
    }
    while ($carry > 0) { $result = (string) ($carry % 10) . $result; $carry = intdiv($carry, 10); }
    $result = ltrim($result, '0');
    if ($result === '') $result = '0';
    return ($negative ? '-' : '') . $result;
}

$literals = [
    // zero and the sign of zero (json_decode('-0') is int 0; '-0.0' is float -0)
    '0', '-0', '0.0', '-0.0', '0e0', '-0e0', '0E+5', '-0.0e-3', '0.000',
    // small integers and the same values written as floats
    '1', '-1', '43', '43.0', '4.3e1', '430E-1', '1E2', '100', '-12', '-12.0', '7e0',
    // the issue's examples
    '1764412345.123456', '1e20', '1E20', '1e+20', '0.30000000000000004', '9007199254740993',
    // fractions
    '1.5', '-1.5', '0.1', '0.2', '0.3', '2.5', '0.5', '-0.5', '3.14159265358979', '3.141592653589793',
    '2.718281828459045', '1.23456789012345678901234567890', '-12.5', '0.1e1', '123.456e-2', '1234.5678901234567',
    '0.000123456789012345', '1.1', '1.05', '1.005', '1.0000000000000002', '0.9999999999999999', '1.00000000000005',
    '1.00000000000015', '9.99999999999995', '9.999999999999949', '99999999999999.95', '0.99999999999999999',
    // where the short form turns exponential
    '1e-4', '0.0001', '1e-5', '0.00001', '0.00012345', '0.000012345', '1.5e-4', '1.5e-5', '-1e-5', '-0.0001',
    '1e13', '1e14', '1E14', '1e15', '1e16', '1e21', '1e22', '1.5e14', '-1e14',
    // 14 and 15 digits around 1e14 and 1e15, as integers and as floats
    '99999999999999', '99999999999999.0', '99999999999999.5', '99999999999999.4', '-99999999999999.5',
    '100000000000000', '100000000000000.0', '100000000000001', '100000000000001.0', '100000000000005.0',
    '100000000000015.0', '100000000000025.0', '100000000000009.0', '100000000000010.0', '100000000000100.0',
    '123456789012345', '123456789012345.0', '-123456789012345.0', '123456789012340.0', '199999999999999.0',
    '199999999999995.0', '999999999999999', '999999999999999.0', '999999999999995.0', '999999999999994.0',
    '12345678901234.5', '12345678901235.5', '1234567890123.25', '1234567890123.75', '123456789012.125',
    '1000000000000000', '1000000000000000.0', '1000000000000001', '1000000000000001.0', '1000000000000005.0',
    '1000000000000015.0', '1234567890123456.0', '9999999999999995.0', '1000000000000050.0', '1000000000000150',
    '1000000000000150.0', '10000000000000500.0', '-100000000000005.0', '0.5e15', '1000000000000005e-1',
    // 2^53 and around
    '9007199254740991', '9007199254740992', '-9007199254740993', '9007199254740993.0', '9007199254740995',
    // 64-bit limits: int up to PHP_INT_MAX, float beyond
    '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
    '9223372036854775807.0', '9223372036854775806', '-9223372036854775807', '9999999999999999999',
    '10000000000000000000', '18446744073709551616', '99999999999999999999', '-99999999999999999999',
    '123456789012345678901234567890',
    // limits of doubles
    '1e308', '1.7976931348623157e308', '-1.7976931348623157e308', '1e309', '1e400', '-1e400',
    '5e-324', '4.9406564584124654e-324', '2.2250738585072014e-308', '2.225073858507201e-308', '1e-400', '-1e-400',
    '1e-320', '1.5e-300', '1E-10', '1e-100', '1e100', '1.5E+300',
];

// Integers around the places where the rule changes, written as integers and as floats.
$anchors = ['100000000000000', '1000000000000000', '9007199254740992', '9223372036854775807', '-9223372036854775808', '99999999999999'];
foreach ($anchors as $anchor) {
    for ($i = 0; $i < 14; $i++) {
        $value = add_offset($anchor, mt_rand(-40, 40));
        $literals[] = $value;
        if (mt_rand(0, 1)) $literals[] = $value . '.0';
        else $literals[] = sign_of() === '-' && $value[0] !== '-' ? '-' . $value : $value . 'e0';
    }
}
// 15-digit integral floats (PHP formats these through its small-integer path): ties, and digits after the 14th.
for ($i = 0; $i < 40; $i++) {
    $literals[] = sign_of() . digits(14) . (string) mt_rand(0, 9) . '.0';
}
// Random integer literals of 1 to 25 digits.
for ($i = 0; $i < 60; $i++) {
    $literals[] = sign_of() . digits(mt_rand(1, 25));
}
// Random decimal literals: 1 to 20 significant digits, the point anywhere, some with an exponent.
for ($i = 0; $i < 120; $i++) {
    $count = mt_rand(1, 20);
    $text = digits($count);
    $point = mt_rand(0, $count);
    $literal = $point === 0 ? '0.' . $text : ($point === $count ? $text . '.0' : substr($text, 0, $point) . '.' . substr($text, $point));
    $form = mt_rand(0, 3);
    if ($form === 1) $literal .= 'e' . mt_rand(-30, 30);
    elseif ($form === 2) $literal .= 'E+' . mt_rand(0, 320);
    elseif ($form === 3) $literal .= 'e-' . mt_rand(0, 330);
    $literals[] = sign_of() . $literal;
}
// Random doubles of every magnitude, as PHP's own json_encode writes them (what a PHP sender's JSON body holds).
for ($i = 0; $i < 160; $i++) {
    do {
        $bits = pack('NN', mt_rand(0, 0xFFFFFFFF), mt_rand(0, 0xFFFFFFFF));
        $value = unpack('E', $bits)[1];
    } while (is_nan($value) || is_infinite($value));
    $literals[] = json_encode($value);
}
// Random doubles near 1 and near 1e14 .. 1e16, where 14 digits cut.
for ($i = 0; $i < 60; $i++) {
    $value = (mt_rand() / mt_getrandmax()) * (10 ** mt_rand(-6, 16));
    $literals[] = json_encode(mt_rand(0, 1) ? -$value : $value);
}

$seen = [];
$numbers = [];
foreach ($literals as $literal) {
    if (isset($seen[$literal])) continue;
    $seen[$literal] = true;
    $pairs = pairs_of('{"n":' . $literal . '}');
    $numbers[] = ['literal' => $literal, 'php' => count($pairs) === 0 ? null : $pairs[0][1]];
}

// A PHP sender's own floats sent as JSON: json_encode writes a whole float
// below 1e17 with no point, so the body holds an integer literal while the
// signature covers the float's text.
$encoded = [];
$floats = [-0.0, 0.0, 43.0, 1e14, -1e14, 123456789012345.0, 100000000000005.0, 1e15, 9007199254740992.0, 99999999999999984.0, 1e17, 1.5e16];
for ($i = 0; $i < 40; $i++) $floats[] = (float) (sign_of() . digits(mt_rand(15, 17)));
foreach ($floats as $float) {
    $literal = json_encode($float);
    $encoded[] = ['literal' => $literal, 'signed' => pairs_of('{"n":' . var_export($float, true) . '}')[0][1], 'decoded' => pairs_of('{"n":' . $literal . '}')[0][1]];
}

// Whole payloads: booleans, null, empty containers and numbers nested in objects and lists.
$documents = [
    '{"t":true,"f":false,"n":null,"s":"","e":[],"o":{},"z":"0"}',
    '{"event":"call:completed","data":{"duration":43,"cost":0.1,"rate":1e-7,"id":9007199254740993,"list":[1.5,-0.0,-0,null,true,{"deep":1e20}]}}',
    '{"a":1764412345.123456,"b":1e20,"c":-0.0,"d":0.30000000000000004,"e":43.0,"f":9007199254740993}',
    '{"x":[[],[{}],[[1.0]]],"y":{"0":0.5,"1":2.5e-5}}',
];
$docs = [];
foreach ($documents as $json) $docs[] = ['json' => $json, 'pairs' => pairs_of($json)];

echo json_encode([
    'generator' => 'php scripts/php-vectors.php > test/fixtures/php-number-vectors.json',
    'php' => PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION,
    'precision' => (int) ini_get('precision'),
    'rule' => 'json_decode($text, true) then http_build_query; each number is the body {"n": literal}; php null means no pair',
    'numbers' => $numbers,
    'encodedFloats' => $encoded,
    'documents' => $docs,
], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
