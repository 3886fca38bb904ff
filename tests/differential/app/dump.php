<?php
require_once __DIR__ . '/lib/dump.php';
require_once __DIR__ . '/lib/serve.php';
keel_diff_serve('keel_diff_dump');
