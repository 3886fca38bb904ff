<?php
echo "served by keel over ", ($_SERVER['HTTPS'] ?? '') === 'on' ? 'https' : 'http', "\n";
