<?php
echo "hello over ", ($_SERVER['HTTPS'] ?? '') === 'on' ? 'https' : 'http', "\n";
