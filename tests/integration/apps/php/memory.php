<?php
// Allocates far past any sane memory_limit (each string is distinct, so
// OPcache cannot fold them into one interned constant).
$a = [];
for ($i = 0; $i < 1000000; $i++) {
    $a[] = str_repeat('x', 1024) . $i;
}
echo "survived\n";
