<?php
echo "start\n";
$a = [];
for ($i = 0; $i < 100000; $i++) { $a[] = str_repeat('m', 1 << 20); }
echo "never\n";
