<?php
// A page well past the minimum size, or ?n= repetitions of a line.
$n = (int)($_GET["n"] ?? 400);
for ($i = 0; $i < $n; $i++) {
    echo "line ", $i, ": keel compresses what is worth it\n";
}
