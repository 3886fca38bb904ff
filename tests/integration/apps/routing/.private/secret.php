<?php
// Under a dot directory: must never run or be sent.
echo 'PRIVATE-PHP-' . 'RAN-77aa';
