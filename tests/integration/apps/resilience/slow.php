<?php
function inner(int $s) { sleep($s); }
function outer(int $s) { inner($s); }
// ?s= seconds in inner(); the output brackets the sleep so a response cut
// short is visible.
$s = (int)($_GET['s'] ?? 1);
echo "start pid=", getmypid(), "\n";
outer($s);
echo str_repeat("x", 1000), "\nend\n";
