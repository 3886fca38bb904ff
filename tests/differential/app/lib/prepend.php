<?php
$GLOBALS['prepended'] = 'yes';
header('X-Prepended: 1');
