<?php
setcookie('flavour', 'oatmeal-raisin', ['path' => '/', 'httponly' => true]);
setcookie('second', 'two');
echo "cookies-set\n";
