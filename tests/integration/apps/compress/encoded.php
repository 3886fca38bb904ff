<?php
// The script compresses its own answer.
$body = str_repeat("already gzipped by PHP\n", 500);
header("Content-Encoding: gzip");
header("Vary: Accept-Encoding");
echo gzencode($body);
