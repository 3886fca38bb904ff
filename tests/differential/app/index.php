<?php
// The front controller.
require __DIR__ . '/lib/dump.php';
keel_diff_dump(['front_controller' => true]);
