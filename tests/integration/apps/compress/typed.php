<?php
// 20 KB of text under the Content-Type of ?type=, with ?cc= as Cache-Control.
header("Content-Type: " . ($_GET["type"] ?? "text/plain"));
if (isset($_GET["cc"])) {
    header("Cache-Control: " . $_GET["cc"]);
}
echo str_repeat("0123456789abcdef\n", 1200);
