<?php
require __DIR__ . '/../lib/dump.php';
keel_diff_dump();
