<?php
echo "php-app-index\n";
