<?php
error_log('keel-it-error-log-' . ($_GET['tag'] ?? ''));
echo "logged\n";
