<?php
// A backend's HTTPS call with PHP's cURL extension, as written against production; the proxy comes from
// HTTPS_PROXY and trust from curl.cainfo (php -d). Usage: php client.php METHOD URL [BODY] [Name: value]...
$ch = curl_init($argv[2]);
$headers = array_slice($argv, 4);
curl_setopt_array($ch, [
    CURLOPT_CUSTOMREQUEST => $argv[1],
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_HEADER => true,
    CURLOPT_HTTPHEADER => $headers,
    CURLOPT_TIMEOUT => 20,
]);
if (isset($argv[3]) && $argv[3] !== '') curl_setopt($ch, CURLOPT_POSTFIELDS, $argv[3]);
$raw = curl_exec($ch);
if ($raw === false) { fwrite(STDERR, curl_error($ch) . "\n"); exit(1); }
$size = curl_getinfo($ch, CURLINFO_HEADER_SIZE);
$head = substr($raw, 0, $size);
// With a proxy, the head holds the CONNECT reply first: keep the last block.
$blocks = preg_split("/\r\n\r\n/", trim($head));
$last = explode("\r\n", end($blocks));
echo curl_getinfo($ch, CURLINFO_RESPONSE_CODE), "\n";
foreach (array_slice($last, 1) as $line) {
    [$k, $v] = array_map('trim', explode(':', $line, 2));
    echo strtolower($k), ": ", $v, "\n";
}
echo "\n", substr($raw, $size);
